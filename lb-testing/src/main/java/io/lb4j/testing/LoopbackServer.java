package io.lb4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The socket plumbing the test backends share: binds a loopback address, accepts on one thread and serves each
 * connection on its own thread, can stop (the port then refuses connections) and start again on the same address
 * and port, and joins every thread it started when it stops.
 *
 * <p>A thread per connection, unlike lb4j's event loops: a test backend serves a handful of connections and
 * blocking code makes faults (a pause, a reset after n bytes) easy to express and to read. At most
 * {@code maxConnections} client connections are served at once; further ones are accepted and closed at once.
 *
 * <p>Thread-safe: start and stop are serialised on this object; the connection set is concurrent.
 */
abstract class LoopbackServer {

  /** How long {@link #closeAll()} waits for each of the backend's threads to end. */
  static final long JOIN_MILLIS = 30_000;
  private static final int BACKLOG = 128;

  private final String name;
  private final String host;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final int maxConnections;
  private final AtomicInteger clients = new AtomicInteger();
  private int port;
  private volatile ServerSocket server;
  private Thread acceptor;

  LoopbackServer(String name, String host, int port, int maxConnections) {
    this.name = Objects.requireNonNull(name, "name");
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    this.maxConnections = maxConnections;
  }

  /** Serves one accepted connection on its own thread; returns when the connection is done. */
  abstract void serve(Socket socket) throws IOException, InterruptedException;

  /**
   * The backend's name, its id in the balancer.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The loopback address the backend binds.
   *
   * @return the address, such as {@code 127.0.0.7}
   */
  public String host() {
    return host;
  }

  /**
   * The port: the bound one once started (kept across restarts), the configured one (0: any) before.
   *
   * @return the port
   */
  public synchronized int port() {
    return port;
  }

  /**
   * The most client connections served at once; further ones are accepted and closed at once.
   *
   * @return the limit
   */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * Whether the backend accepts connections.
   *
   * @return true between start and stop
   */
  public boolean isRunning() {
    ServerSocket s = server;
    return s != null && !s.isClosed();
  }

  /** Binds (the same port as before after a stop) and starts accepting; does nothing if already running. */
  synchronized void bindAndAccept() {
    if (isRunning()) {
      return;
    }
    ServerSocket s = null;
    try {
      s = new ServerSocket();
      s.setReuseAddress(true); // rebinding the same port while old connections sit in TIME_WAIT
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port), BACKLOG);
    } catch (IOException e) {
      closeQuietly(s);
      throw new UncheckedIOException("test backend " + name + " cannot bind " + host + ":" + port + ": " + e, e);
    }
    port = s.getLocalPort();
    server = s;
    ServerSocket bound = s;
    acceptor = new Thread(() -> acceptLoop(bound), threadName("accept"));
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      Socket c;
      try {
        c = s.accept();
      } catch (IOException closed) {
        return;
      }
      threads.removeIf(t -> !t.isAlive());
      if (clients.incrementAndGet() > maxConnections) {
        clients.decrementAndGet();
        closeQuietly(c);
        continue;
      }
      connections.add(c);
      startThread("conn-" + c.getPort(), () -> {
        try {
          serve(c);
        } catch (IOException | InterruptedException | UncheckedIOException gone) {
          // the client went away, or the backend is stopping: nothing to report
        } finally {
          closeQuietly(c);
          connections.remove(c);
          clients.decrementAndGet();
        }
      });
    }
  }

  /** Runs {@code task} on a new thread that {@link #closeAll()} interrupts and joins. */
  void startThread(String what, Runnable task) {
    Thread t = new Thread(task, threadName(what));
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  /** Adds a socket that {@link #closeAll()} closes, such as a proxy's upstream connection. */
  void track(Socket socket) {
    connections.add(socket);
    if (!isRunning()) {
      closeQuietly(socket); // stopping: closeAll may already have passed this socket's turn
    }
  }

  /** Forgets a socket added by {@link #track(Socket)} once it is closed. */
  void untrack(Socket socket) {
    connections.remove(socket);
  }

  /**
   * Stops accepting (the port refuses connections), closes every open connection and waits for every thread of
   * this backend to end.
   *
   * @throws IllegalStateException if a thread is still alive after {@link #JOIN_MILLIS}
   */
  synchronized void closeAll() {
    ServerSocket s = server;
    if (s == null) {
      return;
    }
    closeQuietly(s);
    server = null;
    join(acceptor);
    // Connection threads may still open sockets (a proxy's upstream) or start threads: repeat until none is left.
    while (!threads.isEmpty() || !connections.isEmpty()) {
      for (Socket c : List.copyOf(connections)) {
        closeQuietly(c);
        connections.remove(c);
      }
      for (Thread t : List.copyOf(threads)) {
        t.interrupt(); // wakes latency and dribble pauses
        join(t);
        threads.remove(t);
      }
    }
  }

  private void join(Thread t) {
    try {
      t.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping test backend " + name, e);
    }
    if (t.isAlive()) {
      throw new IllegalStateException("test backend " + name + ": thread " + t.getName() + " did not end within "
          + JOIN_MILLIS + " ms");
    }
  }

  /** The name of this backend's threads: {@code lb-testing-<name>-<what>}. */
  String threadName(String what) {
    return THREAD_PREFIX + name + "-" + what;
  }

  /** Every thread the kit starts has a name starting with this, so tests can check none is left. */
  static final String THREAD_PREFIX = "lb-testing-";

  /** Resets the connection: SO_LINGER 0 makes close send RST instead of FIN. */
  static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed: nothing to reset
    }
    closeQuietly(s);
  }

  static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // closing is best effort: the peer may be gone already
    }
  }
}
