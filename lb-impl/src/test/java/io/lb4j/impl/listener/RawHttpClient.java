package io.lb4j.impl.listener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A raw HTTP/1.1 client over a real socket: sends exact bytes, reads responses one by one. */
final class RawHttpClient implements AutoCloseable {
  /** A response as received. */
  record Response(int status, String head, byte[] body) {
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttpClient(Socket socket) {
    try {
      this.socket = socket;
      socket.setSoTimeout(60_000);
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RawHttpClient connect(InetSocketAddress target) {
    return connect(target, null);
  }

  static RawHttpClient connect(InetSocketAddress target, InetAddress from) {
    try {
      Socket s = new Socket();
      if (from != null) {
        s.bind(new InetSocketAddress(from, 0));
      }
      s.connect(target, 30_000);
      return new RawHttpClient(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawHttpClient send(String raw) {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttpClient send(byte[] raw) {
    try {
      out.write(raw);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one response; {@code head} says whether it answers a HEAD request (no body). */
  Response read(boolean head) {
    try {
      String h = HttpTestBackend.readHead(in);
      if (h == null) {
        throw new AssertionError("connection closed before a response");
      }
      int status = Integer.parseInt(h.substring(9, 12));
      String lower = h.toLowerCase(Locale.ROOT);
      byte[] body;
      if (head || status / 100 == 1 || status == 204 || status == 304) {
        body = new byte[0];
      } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
          String line = line();
          int size = Integer.parseInt(line.split(";")[0].trim(), 16);
          if (size == 0) {
            while (!line().isEmpty()) {
              // trailers
            }
            break;
          }
          b.write(in.readNBytes(size));
          line();
        }
        body = b.toByteArray();
      } else if (lower.contains("\r\ncontent-length:")) {
        int i = lower.indexOf("\r\ncontent-length:");
        int end = lower.indexOf("\r\n", i + 2);
        body = in.readNBytes(Integer.parseInt(lower.substring(i + 17, end).trim()));
      } else {
        body = in.readAllBytes();
      }
      return new Response(status, h, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response read() {
    return read(false);
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /** True when the server closed (end of stream or reset) with nothing more to read. */
  boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (SocketException reset) {
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything until the server closes (a reset ends it too). */
  byte[] readToEnd() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        b.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // a reset ends the stream as well
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
