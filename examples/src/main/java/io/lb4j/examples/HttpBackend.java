package io.lb4j.examples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP backend on loopback built on the JDK's {@code HttpServer}: {@code /health} answers 200,
 * every other path answers {@code hello from <name>}. It can be stopped (its port then refuses
 * connections) and started again on the same port.
 */
final class HttpBackend implements AutoCloseable {

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK add ~40 ms to every keep-alive response.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String name;
  private final String host;
  private int port;
  private HttpServer server;
  private ExecutorService executor;

  HttpBackend(String name, String host) {
    this.name = name;
    this.host = host;
    start();
  }

  synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 128);
      server.createContext("/", exchange -> {
        byte[] body = ("hello from " + name + "\n").getBytes(StandardCharsets.UTF_8);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(200, head ? -1 : body.length);
        if (!head) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
        exchange.close();
      });
      executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "demo-backend-" + name);
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(executor);
      server.start();
      port = server.getAddress().getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  synchronized void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  String name() {
    return name;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }
}
