package io.lb4j.impl.diagnostics;

import com.sun.net.httpserver.HttpServer;
import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.LoadBalancers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Real loopback parts for the diagnostics tests: an HTTP application whose status per path can be changed
 * while the test runs, a TCP port that accepts, one that refuses, pools that are closed after each test,
 * and waiting with a generous deadline instead of sleeping.
 */
final class Loop implements AutoCloseable {

  static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final AtomicInteger NEXT_HOST = new AtomicInteger();

  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** A fresh 127.1.x.y per call, so no two tests share an address. */
  static String host() {
    int n = NEXT_HOST.getAndIncrement();
    return "127.1." + (n / 250) + "." + (1 + n % 250);
  }

  /** Waits until {@code condition} holds, polling every few milliseconds; fails after {@link #DEADLINE}. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + "s waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** A port on {@code host} that was bound and closed again: connecting to it is refused. */
  static int refusingPort(String host) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Diagnostics that find no {@code /proc}: the host findings reduce to one "could not look", so a report
   * holds what the test provokes in the pool.
   */
  static Diagnostics.Builder withoutHost() {
    // A generous port probe: on a loaded 2-core machine a SYN to a backend whose accept backlog is briefly full is
    // retransmitted after 1 s, so the default 1 s connect timeout could call an open port closed.
    return Diagnostics.builder().procRoot(Path.of("/nonexistent-proc")).portProbeTimeout(Duration.ofSeconds(5));
  }

  <T extends AutoCloseable> T track(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** A started pool, closed with this fixture. */
  LoadBalancer pool(Listener listener, Backend... backends) {
    return track(LoadBalancers.builder(listener).backends(List.of(backends)).build()).start();
  }

  /** An HTTP application on a fresh loopback address, closed with this fixture. */
  App app() {
    return track(new App(host()));
  }

  @Override
  public void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** A JDK HttpServer answering each path with its configured status (default 200), without a body. */
  static final class App implements AutoCloseable {
    final String host;
    private final HttpServer server;
    private final Map<String, Integer> statusByPath = new ConcurrentHashMap<>();
    /** When set, every answer alternates 200 / 503: a backend that flaps. */
    volatile boolean flap;
    private final AtomicInteger answered = new AtomicInteger();

    App(String host) {
      this.host = host;
      try {
        server = HttpServer.create(new InetSocketAddress(host, 0), 50);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext("/", exchange -> {
        int n = answered.incrementAndGet();
        int status = flap ? (n % 2 == 0 ? 503 : 200)
            : statusByPath.getOrDefault(exchange.getRequestURI().getPath(), 200);
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
      });
      server.start();
    }

    App status(String path, int status) {
      statusByPath.put(path, status);
      return this;
    }

    int port() {
      return server.getAddress().getPort();
    }

    Backend backend(String id) {
      return Backend.of(id, host, port());
    }

    /** Sends a real {@code GET path} and returns the status the application answered. */
    int get(String path) {
      try (Socket s = new Socket(host, port())) {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
        return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
