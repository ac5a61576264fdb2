package io.lb4j.impl.listener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend on loopback for listener tests, programmable while the test runs (in the
 * spirit of OkHttp's MockWebServer): each request is parsed (Content-Length and chunked bodies), recorded,
 * and answered by the current {@link Handler}, which may respond, stall, reset, close mid-response, send
 * a malformed head or switch protocols and echo. Keep-alive is honoured; a thread per connection.
 */
final class HttpTestBackend implements AutoCloseable {
  /** A request as the backend received it. */
  record Request(String head, byte[] body, int connection) {
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    String requestLine() {
      return head.substring(0, head.indexOf("\r\n"));
    }
  }

  /** What to do with a request: write to {@code out} (or not); return false to close the connection. */
  interface Handler {
    boolean handle(Request request, Socket socket, OutputStream out) throws IOException;
  }

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "http-test-backend");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  /** Connections that ended (the peer closed, or the handler gave up). */
  final AtomicInteger closedConnections = new AtomicInteger();
  private volatile Handler handler;
  /** Released when the test is done with stalled handlers. */
  final CountDownLatch release = new CountDownLatch(1);

  HttpTestBackend(String host, Handler handler) {
    this.handler = handler;
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  /** A backend answering every request with 200 and {@code body} (its id, say). */
  static HttpTestBackend ok(String host, String body) {
    return new HttpTestBackend(host, respond(200, body));
  }

  static Handler respond(int status, String body) {
    return respond(status, "", body);
  }

  static Handler respond(int status, String extraHeaders, String body) {
    return (req, s, out) -> {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      boolean head = req.requestLine().startsWith("HEAD ");
      out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: " + b.length + "\r\n" + extraHeaders + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      if (!head) {
        out.write(b);
      }
      out.flush();
      return true;
    };
  }

  /** Answers with what it received: the request head and body, as the body. */
  static Handler mirror() {
    return (req, s, out) -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(req.head().getBytes(StandardCharsets.ISO_8859_1));
      body.write(req.body());
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.size() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      body.writeTo(out);
      out.flush();
      return true;
    };
  }

  void handler(Handler h) {
    this.handler = h;
  }

  int port() {
    return server.getLocalPort();
  }

  String host() {
    return server.getInetAddress().getHostAddress();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        int id = connections.incrementAndGet();
        open.add(s);
        threads.execute(() -> serve(s, id));
      } catch (IOException | RuntimeException closed) {
        return;
      }
    }
  }

  private void serve(Socket s, int id) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        if (head.toLowerCase(Locale.ROOT).contains("\r\nexpect: 100-continue")) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        byte[] body = readBody(in, head);
        Request r = new Request(head, body, id);
        requests.add(r);
        if (!handler.handle(r, s, out)) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the peer went away, or sent what this simple parser cannot read: either way no complete request
    } finally {
      open.remove(s);
      closedConnections.incrementAndGet();
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] readBody(InputStream in, String head) throws IOException {
    String lower = head.toLowerCase(Locale.ROOT);
    if (lower.contains("\r\ntransfer-encoding: chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String line = readLine(in);
        int size = Integer.parseInt(line.split(";")[0].trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
    }
    int i = lower.indexOf("\r\ncontent-length:");
    if (i < 0) {
      return new byte[0];
    }
    int end = lower.indexOf("\r\n", i + 2);
    int length = Integer.parseInt(lower.substring(i + 17, end).trim());
    return in.readNBytes(length);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    release.countDown();
    try {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
