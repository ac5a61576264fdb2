package io.lb4j.testing;

import io.lb4j.api.load.LoadReport;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Serves one HTTP/1.1 connection of an {@link HttpTestBackend}: reads requests strictly, records them, and answers
 * each with the behaviour the backend's dispatcher picks, faults included. Keep-alive unless the client asks to close
 * or a fault ends the connection.
 *
 * <p>Strict parsing: CRLF line ends, no obs-fold, a single {@code Content-Length} or {@code Transfer-Encoding:
 * chunked} (never both), limits on the request head and body. Anything else is answered with 400 (431 for a head
 * over the limit, 413 for a body over it, 501 for another transfer coding) and the connection is closed: a test
 * backend must not guess where a request ends any more than a proxy should.
 *
 * <p>Confined to its connection's thread.
 */
final class HttpConnection {

  private final HttpTestBackend backend;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  HttpConnection(HttpTestBackend backend, Socket socket) throws IOException {
    this.backend = backend;
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Thrown for a request that breaks the protocol: answered with {@link #status} and the connection closed. */
  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  void serve() throws IOException, InterruptedException {
    while (true) {
      RecordedRequest request;
      try {
        request = readRequest();
      } catch (BadRequest e) {
        byte[] body = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(head(e.status, Map.of(), body.length, true));
        out.write(body);
        out.flush();
        return;
      }
      if (request == null) {
        return; // the client closed between requests
      }
      backend.record(request);
      if (!answer(request, backend.behaviorFor(request))) {
        return;
      }
    }
  }

  /** Answers one request; returns whether the connection stays open for the next one. */
  private boolean answer(RecordedRequest request, Behavior behavior) throws IOException, InterruptedException {
    Fault fault = behavior.fault();
    switch (fault.kind()) {
      case BLACKHOLE:
        drainUntilClientCloses();
        return false;
      case RESET_BEFORE_RESPONSE:
        LoopbackServer.reset(socket);
        return false;
      case MALFORMED:
        out.write(fault.rawUnsafe());
        out.flush();
        return false;
      default:
        break;
    }
    Pacing.delay(behavior.latency(), behavior.jitter());
    long busy = backend.burn(behavior.cpu());
    boolean fails = behavior.failureShare() > 0 && ThreadLocalRandom.current().nextDouble() < behavior.failureShare();
    int status = fails ? behavior.failureStatus() : behavior.status();
    String load = request.path().equals(backend.healthPath()) ? null : backend.meterAndReport(busy, status);
    byte[] body = behavior.bodyUnsafe() != null ? behavior.bodyUnsafe()
        : ("hello from " + backend.name() + "\n").getBytes(StandardCharsets.UTF_8);
    boolean noBody = status < 200 || status == 204 || status == 304;
    if (noBody) {
      body = new byte[0];
    }
    boolean close = wantsClose(request);
    Map<String, String> headers = behavior.headers();
    if (fault.kind() == Fault.Kind.OVERSIZED_HEADERS || load != null) {
      headers = new LinkedHashMap<>(headers);
      if (load != null) {
        headers.putIfAbsent(LoadReport.HEADER, load); // a behaviour's own (a test's malformed report) wins
      }
      if (fault.kind() == Fault.Kind.OVERSIZED_HEADERS) {
        headers.put("X-Lb4j-Padding", "x".repeat(fault.bytes()));
      }
    }
    byte[] head = head(status, headers, noBody ? -1 : body.length, close);
    if ("HEAD".equals(request.method())) {
      body = new byte[0];
    }
    switch (fault.kind()) {
      case RESET_AFTER_BYTES:
        writeFirst(head, body, fault.bytes());
        LoopbackServer.reset(socket);
        return false;
      case CLOSE_AFTER_BYTES:
        writeFirst(head, body, fault.bytes());
        socket.close();
        return false;
      case DRIBBLE:
        out.write(head);
        out.flush();
        Pacing.dribble(out, body, 0, body.length, fault.bytes(), fault.pause());
        break;
      case BANDWIDTH:
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        Pacing.write(out, all, fault.bytes());
        break;
      default:
        // One write, as servers send a small response: a stop() then never cuts a response in two, so a test
        // of what a proxy does with a backend going away sees whole responses or none.
        byte[] response = new byte[head.length + body.length];
        System.arraycopy(head, 0, response, 0, head.length);
        System.arraycopy(body, 0, response, head.length, body.length);
        out.write(response);
        out.flush();
    }
    return !close;
  }

  private void writeFirst(byte[] head, byte[] body, int n) throws IOException {
    int fromHead = Math.min(n, head.length);
    out.write(head, 0, fromHead);
    out.write(body, 0, Math.min(n - fromHead, body.length));
    out.flush();
  }

  private void drainUntilClientCloses() throws IOException {
    byte[] buf = new byte[4096];
    while (in.read(buf) >= 0) {
      // a black hole reads and never answers
    }
  }

  private static boolean wantsClose(RecordedRequest r) {
    String connection = r.header("connection");
    if ("HTTP/1.0".equals(r.version())) {
      return connection == null || !connection.equalsIgnoreCase("keep-alive");
    }
    return connection != null && connection.equalsIgnoreCase("close");
  }

  static byte[] head(int status, Map<String, String> headers, int contentLength, boolean close) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (contentLength >= 0) {
      sb.append("Content-Length: ").append(contentLength).append("\r\n");
    }
    if (close) {
      sb.append("Connection: close\r\n");
    }
    return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 204: return "No Content";
      case 301: return "Moved Permanently";
      case 302: return "Found";
      case 400: return "Bad Request";
      case 404: return "Not Found";
      case 413: return "Content Too Large";
      case 431: return "Request Header Fields Too Large";
      case 500: return "Internal Server Error";
      case 501: return "Not Implemented";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      default: return "Status " + status;
    }
  }

  /** Reads one request; null on a clean end of stream before its first byte. */
  private RecordedRequest readRequest() throws IOException, BadRequest {
    int limit = backend.maxRequestHeadBytes();
    int[] used = {0};
    String requestLine = readLine(limit, used, true);
    if (requestLine == null) {
      return null;
    }
    long arrived = System.nanoTime();
    String[] parts = requestLine.split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || !isToken(parts[0]) || parts[1].isEmpty()
        || !(parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
      throw new BadRequest(400, "malformed request line");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    while (true) {
      String line = readLine(limit, used, false);
      if (line.isEmpty()) {
        break;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        throw new BadRequest(400, "obsolete line folding is not allowed");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new BadRequest(400, "malformed header line");
      }
      RecordedRequest.addHeader(headers, line.substring(0, colon), line.substring(colon + 1).strip());
    }
    byte[] body = readBody(headers);
    return new RecordedRequest(parts[0], parts[1], parts[2], headers, body,
        (InetSocketAddress) socket.getRemoteSocketAddress(), arrived);
  }

  private byte[] readBody(Map<String, List<String>> headers) throws IOException, BadRequest {
    List<String> lengths = headers.getOrDefault("content-length", List.of());
    List<String> codings = headers.getOrDefault("transfer-encoding", List.of());
    if (!lengths.isEmpty() && !codings.isEmpty()) {
      throw new BadRequest(400, "both Content-Length and Transfer-Encoding");
    }
    int max = backend.maxRequestBodyBytes();
    if (!codings.isEmpty()) {
      if (codings.size() != 1 || !codings.get(0).equalsIgnoreCase("chunked")) {
        throw new BadRequest(501, "only Transfer-Encoding: chunked is supported");
      }
      return readChunked(max);
    }
    if (lengths.isEmpty()) {
      return new byte[0];
    }
    if (lengths.size() != 1 || !lengths.get(0).matches("[0-9]{1,10}")) {
      throw new BadRequest(400, "invalid Content-Length");
    }
    long length = Long.parseLong(lengths.get(0));
    if (length > max) {
      throw new BadRequest(413, "body of " + length + " bytes is over the limit of " + max);
    }
    return readExactly((int) length);
  }

  private byte[] readChunked(int max) throws IOException, BadRequest {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int[] used = {0};
    while (true) {
      String sizeLine = readLine(backend.maxRequestHeadBytes(), used, false);
      int semicolon = sizeLine.indexOf(';');
      String hex = semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon);
      if (!hex.matches("[0-9a-fA-F]{1,7}")) {
        throw new BadRequest(400, "invalid chunk size");
      }
      int size = Integer.parseInt(hex, 16);
      if (size == 0) {
        while (!readLine(backend.maxRequestHeadBytes(), used, false).isEmpty()) {
          // trailer fields are read and dropped
        }
        return body.toByteArray();
      }
      if (body.size() + (long) size > max) {
        throw new BadRequest(413, "chunked body over the limit of " + max);
      }
      body.write(readExactly(size));
      if (!readLine(backend.maxRequestHeadBytes(), used, false).isEmpty()) {
        throw new BadRequest(400, "chunk data longer than its size");
      }
    }
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] data = in.readNBytes(n);
    if (data.length < n) {
      throw new IOException("client closed in the middle of the body");
    }
    return data;
  }

  /**
   * Reads a CRLF-terminated line (ISO-8859-1), counting its bytes against {@code limit}. A bare LF or CR is
   * refused. Returns null at end of stream only if {@code eofAllowed} and nothing was read.
   */
  private String readLine(int limit, int[] used, boolean eofAllowed) throws IOException, BadRequest {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofAllowed && sb.length() == 0) {
          return null;
        }
        throw new IOException("client closed in the middle of the request head");
      }
      if (++used[0] > limit) {
        throw new BadRequest(431, "request head over the limit of " + limit + " bytes");
      }
      if (b == '\r') {
        int lf = in.read();
        if (lf != '\n') {
          throw new BadRequest(400, "CR not followed by LF");
        }
        if (++used[0] > limit) {
          throw new BadRequest(431, "request head over the limit of " + limit + " bytes");
        }
        return sb.toString();
      }
      if (b == '\n') {
        throw new BadRequest(400, "bare LF line end");
      }
      sb.append((char) b);
    }
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 32 || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
