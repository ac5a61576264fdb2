package io.lb4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** A blocking loopback client that shows exactly what arrived on the wire, for observing faults. */
final class RawClient implements AutoCloseable {

  /** Read timeout when a test expects data; generous for a loaded machine. */
  static final int PATIENT_MILLIS = 30_000;

  final Socket socket;
  final InputStream in;
  /** The size of each read that returned data, to observe dribbling and slicing. */
  final List<Integer> reads = new ArrayList<>();

  RawClient(InetSocketAddress address, int readTimeoutMillis) {
    try {
      socket = new Socket();
      socket.setSoTimeout(readTimeoutMillis);
      // A blocking connect returns at the handshake, so a reset sent right after accept surfaces on the first read;
      // a timed connect polls and may report that reset as a failed connect instead. Loopback never hangs here.
      socket.connect(address);
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RawClient to(TestBackend backend) {
    return new RawClient(backend.address(), PATIENT_MILLIS);
  }

  RawClient send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  RawClient get(String path) throws IOException {
    return send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
  }

  /** Reads until the server closes; throws what the socket throws (a reset, a timeout). */
  String readToEnd() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    int n;
    while ((n = in.read(buf)) >= 0) {
      reads.add(n);
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads the first byte, or nothing if the stream ends first. */
  String readToEndOrFirstByte() throws IOException {
    int b = in.read();
    return b < 0 ? "" : String.valueOf((char) b);
  }

  /** Reads exactly {@code n} bytes. */
  String readExactly(int n) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    while (out.size() < n) {
      int r = in.read(buf, 0, Math.min(buf.length, n - out.size()));
      if (r < 0) {
        throw new IOException("end of stream after " + out.size() + " of " + n + " bytes");
      }
      reads.add(r);
      out.write(buf, 0, r);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one response framed by Content-Length: head plus body. */
  Response readResponse() throws IOException {
    String h = readHead();
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    reads.clear();
    return new Response(h, readExactly(length));
  }

  /** Reads the head of a response that has no body (an answer to HEAD). */
  Response readResponseHeadOnly() throws IOException {
    return new Response(readHead(), "");
  }

  private String readHead() throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream in the head: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** A response: its head (status line and headers, CRLFs kept) and body. */
  record Response(String head, String body) {
    int status() {
      return Integer.parseInt(head.substring(9, 12));
    }

    boolean hasHeader(String line) {
      return head.contains("\r\n" + line + "\r\n");
    }
  }

  /** One request on a new connection; the response. */
  static Response exchange(TestBackend backend, String request) throws IOException {
    try (RawClient c = to(backend)) {
      c.send(request);
      return c.readResponse();
    }
  }

  /** GET {@code path} on a new connection. */
  static Response get(TestBackend backend, String path) throws IOException {
    return exchange(backend, "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  }

  /** Names of live threads the kit started for the backend or proxy named {@code name}. */
  static Set<String> threadsOf(String name) {
    String prefix = LoopbackServer.THREAD_PREFIX + name + "-";
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(prefix)).collect(Collectors.toSet());
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
