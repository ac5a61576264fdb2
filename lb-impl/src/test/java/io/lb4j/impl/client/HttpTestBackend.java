package io.lb4j.impl.client;

import io.lb4j.api.Backend;
import java.io.BufferedInputStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend on a loopback address for the client tests, whose behaviour can be switched
 * while a test runs: answer 200 with its id as the body (or its id and the request target), answer 503,
 * reset the connection after reading the request, never answer, answer with a large body, close in the
 * middle of one or stall in the middle of one. Counts and keeps the requests it read completely, so tests
 * can assert how many attempts reached it and what each carried. A thread per connection: fine for a test
 * server.
 */
final class HttpTestBackend implements AutoCloseable {

  enum Behaviour { OK, ECHO, UNAVAILABLE, RESET, HANG, LARGE_BODY, TRUNCATED_BODY, STALLED_BODY }

  /**
   * One request as the backend read it.
   *
   * @param target the request target ({@code /path?query})
   * @param headers every header line, names lower-cased, in order ({@code x-trace: 7})
   */
  record Received(String method, String target, List<String> headers, String body) {}

  static final int LARGE_BODY_BYTES = 4 * 1024 * 1024;

  private final String id;
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  final ConcurrentLinkedQueue<String> hostHeaders = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> methods = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private volatile Behaviour behaviour = Behaviour.OK;
  /** When set, 200 answers carry {@code Set-Cookie: <name>=session-<id>}, as an application server's do. */
  private volatile String sessionCookieName;

  HttpTestBackend(String id, String host) {
    this.id = id;
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = new Thread(this::acceptLoop, "test-http-" + id);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A backend whose address refuses connections: a port bound and closed again. */
  static Backend refusing(String id, String host) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return Backend.of(id, host, s.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Backend backend() {
    return Backend.of(id, server.getInetAddress().getHostAddress(), server.getLocalPort());
  }

  HttpTestBackend behave(Behaviour behaviour) {
    this.behaviour = behaviour;
    return this;
  }

  /** Makes 200 answers set an application session cookie named {@code name}. */
  HttpTestBackend setsSessionCookie(String name) {
    this.sessionCookieName = name;
    return this;
  }

  /** Requests read completely (request line, headers and body). */
  int requests() {
    return requests.get();
  }

  /** Connections accepted. */
  int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket c = server.accept();
        accepted.incrementAndGet();
        connections.add(c);
        Thread t = new Thread(() -> serve(c), "test-http-" + id + "-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket c) {
    try (c) {
      InputStream in = new BufferedInputStream(c.getInputStream());
      OutputStream out = c.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        int contentLength = 0;
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        methods.add(requestLine[0]);
        List<String> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = lines[i].substring(colon + 1).trim();
          headers.add(name + ": " + value);
          if (name.equals("content-length")) {
            contentLength = Integer.parseInt(value);
          } else if (name.equals("host")) {
            hostHeaders.add(value);
          }
        }
        String body = new String(in.readNBytes(contentLength), StandardCharsets.UTF_8);
        received.add(new Received(requestLine[0], requestLine[1], headers, body));
        requests.incrementAndGet();
        Behaviour now = behaviour;
        switch (now) {
          case OK:
            String cookie = sessionCookieName;
            respond(out, "200 OK" + (cookie == null ? "" : "\r\nSet-Cookie: " + cookie + "=session-" + id + "; Path=/"),
                id.getBytes(StandardCharsets.US_ASCII));
            break;
          case ECHO: // the request target, so that a caller can tell its response from another's
            respond(out, "200 OK", (id + " " + requestLine[1]).getBytes(StandardCharsets.UTF_8));
            break;
          case UNAVAILABLE:
            respond(out, "503 Service Unavailable", "busy".getBytes(StandardCharsets.US_ASCII));
            break;
          case LARGE_BODY:
            respond(out, "200 OK", new byte[LARGE_BODY_BYTES]);
            break;
          case TRUNCATED_BODY:
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + LARGE_BODY_BYTES + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
            out.flush();
            return; // then close in the middle of the body (FIN: the bytes sent still arrive)
          case STALLED_BODY:
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + LARGE_BODY_BYTES + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
            out.flush();
            in.read(); // then send no more until the client gives up and closes, or the backend is closed
            return;
          case RESET:
            c.setSoLinger(true, 0); // close with RST: the request reached the server, no answer came
            return;
          case HANG:
            in.read(); // until the client gives up and closes, or the backend is closed
            return;
          default:
            throw new AssertionError(now);
        }
      }
    } catch (IOException e) {
      // the client closed the connection, or the backend was closed
    } finally {
      connections.remove(c);
    }
  }

  private static void respond(OutputStream out, String status, byte[] body) throws IOException {
    out.write(("HTTP/1.1 " + status + "\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  /** The request line and headers, without the final empty line; null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    String s = head.toString(StandardCharsets.US_ASCII);
    return s.substring(0, s.length() - 4);
  }

  /** Stops accepting and closes every connection; its port then refuses connections. */
  @Override
  public void close() {
    try {
      server.close();
      for (Socket c : connections) {
        c.close();
      }
      acceptor.join(10_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
