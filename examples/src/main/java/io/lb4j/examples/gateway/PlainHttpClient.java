package io.lb4j.examples.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's client: one HTTP/1.1 request per new TCP connection ({@code Connection: close}), written by
 * hand so the demo controls every header (an oversized one, a {@code Via}) and knows nothing of lb4j. A new
 * connection per request is also what a Layer-4 listener balances: each connection is one pick.
 * Thread-safe (stateless).
 */
final class PlainHttpClient {

  /** A response: status, headers (lower-case names, last one wins) and body. */
  record Response(int status, Map<String, String> headers, String body) {}

  private final int timeoutMillis;

  PlainHttpClient(int timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  /** Sends {@code GET path} with the extra header lines given (each {@code "Name: value"}). */
  Response get(InetSocketAddress to, String path, String... headerLines) throws IOException {
    return getFrom(to, to.getHostString() + ":" + to.getPort(), path, headerLines);
  }

  /** Sends {@code GET path} with {@code Host: host} (a name the listener's rules match) and the extra lines. */
  Response getFrom(InetSocketAddress to, String host, String path, String... headerLines) throws IOException {
    StringBuilder head = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(host).append("\r\n")
        .append("Connection: close\r\n");
    for (String line : headerLines) {
      head.append(line).append("\r\n");
    }
    head.append("\r\n");
    try (Socket socket = new Socket()) {
      socket.connect(to, timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      all.write(buffer, 0, n);
    }
    return all.toByteArray();
  }

  private static Response parse(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0) {
      throw new IOException("no HTTP response (" + bytes.length + " bytes before the connection closed)");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    return new Response(status, headers, text.substring(end + 4));
  }
}
