package io.lb4j.impl.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.health.HealthTransition;
import io.lb4j.testing.Await;
import io.lb4j.testing.HttpTestBackend;
import io.lb4j.testing.TcpTestBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Loopback servers and waiting helpers for the health tests: real sockets, generous deadlines, no sleeps. */
final class Loopback {

  /** Deadline for anything the tests wait for; generous because the box is shared and loaded. */
  static final Duration DEADLINE = Duration.ofSeconds(20);

  private static final AtomicInteger NEXT_HOST = new AtomicInteger(10);

  private Loopback() {}

  /** A fresh 127.0.x.y address per call, so tests never share a host:port with each other. */
  static String nextHost() {
    int n = NEXT_HOST.getAndIncrement();
    return "127.0." + (n / 250) + "." + (1 + n % 250);
  }

  /** A port on {@code host} that was bound and then closed: connecting to it is refused. */
  static int closedPort(String host) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code condition} holds; fails after {@link #DEADLINE}. */
  static void await(String what, BooleanSupplier condition) {
    Await.until(what, condition, DEADLINE);
  }

  /** Collects transitions from a listener; {@link #next()} waits for the next one. */
  static final class Transitions implements Consumer<HealthTransition> {
    private final BlockingQueue<HealthTransition> queue = new LinkedBlockingQueue<>();
    final List<HealthTransition> all = new CopyOnWriteArrayList<>();

    @Override
    public void accept(HealthTransition t) {
      all.add(t);
      queue.add(t);
    }

    HealthTransition next() {
      try {
        HealthTransition t = queue.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(t).as("a transition within " + DEADLINE).isNotNull();
        return t;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** A started TCP backend (lb4j's test kit) that closes each connection at once, as a server with nothing to say. */
  static TcpTestBackend tcp(String host) {
    return tcp(host, 0);
  }

  /** As {@link #tcp(String)}, on a given port (0: any). */
  static TcpTestBackend tcp(String host, int port) {
    return TcpTestBackend.builder("tcp-" + host).host(host).port(port).mode(TcpTestBackend.Mode.CLOSE).build()
        .start();
  }

  /** A started TCP backend that completes each handshake and then resets the connection at once. */
  static TcpTestBackend tcpResetting(String host) {
    return TcpTestBackend.builder("rst-" + host).host(host).mode(TcpTestBackend.Mode.RESET).build().start();
  }

  /** A started TCP backend that accepts connections and never answers nor closes them (a hung application). */
  static TcpTestBackend silent(String host) {
    return TcpTestBackend.builder("silent-" + host).host(host).mode(TcpTestBackend.Mode.BLACKHOLE).build().start();
  }

  /** A started HTTP backend answering 200, recording each request. */
  static HttpTestBackend http(String host) {
    return HttpTestBackend.builder("http-" + host).host(host).build().start();
  }
}
