package io.lb4j.impl.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.lb4j.api.health.HealthTransition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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

  /** Waits until {@code condition} holds, polling; fails after {@link #DEADLINE}. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
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

  /** A TCP server that accepts connections and closes them, counting them; can be stopped and restarted. */
  static final class TcpServer implements AutoCloseable {
    final String host;
    final AtomicInteger accepted = new AtomicInteger();
    private boolean resetOnAccept;
    private volatile ServerSocketChannel channel;
    private volatile Thread acceptor;
    private int port;

    TcpServer(String host) {
      this.host = host;
    }

    static TcpServer start(String host) {
      TcpServer s = new TcpServer(host);
      s.listen(0);
      return s;
    }

    /** A server that completes each handshake and then resets the connection at once (SO_LINGER 0). */
    static TcpServer startResetting(String host) {
      TcpServer s = new TcpServer(host);
      s.resetOnAccept = true;
      s.listen(0);
      return s;
    }

    int port() {
      return port;
    }

    /** Listens on {@code port} (0: any); the accept thread closes each connection at once. */
    void listen(int wanted) {
      try {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(host, wanted), 200);
        port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        channel = ch;
        Thread t = new Thread(() -> {
          while (ch.isOpen()) {
            try {
              SocketChannel c = ch.accept();
              accepted.incrementAndGet();
              if (resetOnAccept) {
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
              }
              c.close();
            } catch (IOException e) {
              return;
            }
          }
        }, "test-tcp-" + host);
        t.setDaemon(true);
        t.start();
        acceptor = t;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Stops listening: connections are refused until {@link #listen} again. */
    void stop() {
      try {
        channel.close();
        acceptor.join(TimeUnit.SECONDS.toMillis(20));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      stop();
    }
  }

  /** A server that accepts connections and never answers nor closes them (a hung application). */
  static final class SilentServer implements AutoCloseable {
    final ServerSocketChannel channel;
    private final List<SocketChannel> held = new CopyOnWriteArrayList<>();
    final int port;

    SilentServer(String host) {
      try {
        channel = ServerSocketChannel.open();
        channel.bind(new InetSocketAddress(host, 0));
        port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Thread t = new Thread(() -> {
        while (channel.isOpen()) {
          try {
            held.add(channel.accept());
          } catch (IOException e) {
            return;
          }
        }
      }, "test-silent-" + host);
      t.setDaemon(true);
      t.start();
    }

    int accepted() {
      return held.size();
    }

    /** True once the client side of accepted connection {@code i} is gone (EOF or reset). */
    boolean clientClosed(int i) {
      try {
        SocketChannel c = held.get(i);
        c.configureBlocking(false);
        return c.read(ByteBuffer.allocate(4096)) < 0;
      } catch (IOException e) {
        return true; // reset by the peer
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
      for (SocketChannel c : held) {
        c.close();
      }
    }
  }

  /** A JDK HttpServer answering every request with {@link #status}, recording what it received. */
  static final class Http implements AutoCloseable {
    final HttpServer server;
    final String host;
    final AtomicInteger status = new AtomicInteger(200);
    /** When set, answers alternate 200 / 503 (a flapping backend). */
    volatile boolean flap;
    final AtomicInteger requests = new AtomicInteger();
    final List<String> methods = new CopyOnWriteArrayList<>();
    final List<String> hosts = new CopyOnWriteArrayList<>();
    final List<String> userAgents = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();

    Http(String host) {
      this.host = host;
      try {
        server = HttpServer.create(new InetSocketAddress(host, 0), 100);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext("/", exchange -> {
        int n = requests.incrementAndGet();
        methods.add(exchange.getRequestMethod());
        hosts.add(String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
        userAgents.add(String.valueOf(exchange.getRequestHeaders().getFirst("User-Agent")));
        paths.add(exchange.getRequestURI().toString());
        int code = flap ? (n % 2 == 1 ? 200 : 503) : status.get();
        if (code / 100 == 3) {
          exchange.getResponseHeaders().add("Location", "/elsewhere");
        }
        exchange.sendResponseHeaders(code, -1);
        exchange.close();
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
