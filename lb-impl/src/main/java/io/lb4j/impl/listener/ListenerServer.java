package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.Protocol;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.CookieKeyRing;
import io.lb4j.impl.groups.GroupPools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running listener: binds a {@link Listener}'s port and forwards what arrives to the backends of its server
 * groups. A TCP listener relays connections (Layer 4); a UDP listener relays datagrams by flow (Layer 4, see
 * {@link UdpSettings}); HTTP and HTTPS listeners proxy requests (Layer 7), HTTP/1.1 and HTTP/2 ({@code h2} by
 * ALPN, {@code h2c} with prior knowledge; see {@link Listener#http2()}), to HTTP/1.1 backends or, with
 * {@link Listener#backendHttpVersion()} {@code HTTP_2}, to h2c backends (gRPC).
 *
 * <pre>{@code
 * // one pool of the caller's: every request goes to it
 * try (ListenerServer server = ListenerServer.builder(pool).build().start()) {
 *   ... traffic to server.localAddress() ...
 *   server.stop(Duration.ofSeconds(10));
 * }
 * // server groups and forwarding rules: the server builds a pool per routed group
 * ListenerServer server = ListenerServer.builder(listener).routing(Routing.builder()
 *     .group(ServerGroup.of("web", webBackends)).group(ServerGroup.of("api", apiBackends))
 *     .rules(ForwardingRules.builder().rule("*.example.com", "/api", "api").defaultGroup("web").build())
 *     .build()).build().start();
 * }</pre>
 *
 * <p><b>Server groups.</b> Built with a {@link Routing}, the server builds a pool ({@code <listener>/<group>})
 * for every group a rule or the default names, starts them with itself and closes them when it stops. A
 * Layer-7 request is routed right after its head is parsed, before a backend is selected: by {@code Host} and
 * normalized path ({@link io.lb4j.api.routing.ForwardingRules}); a path that cannot be normalized or a missing or
 * invalid {@code Host} gets 400, no match without a default group 404 ({@link FailureCause#BAD_PATH},
 * {@link FailureCause#BAD_HOST}, {@link FailureCause#NO_ROUTE}: counted and in the access log), and the backend
 * receives the normalized path: escapes of unreserved characters decoded, dot segments removed, {@code //}
 * merged, case kept, an escaped {@code /} ({@code %2F}) refused (see {@link io.lb4j.impl.routing.PathNormalizer}).
 * Without rules the target goes as received. A Layer-4 listener sends everything to its default group.
 * {@link #reconfigure} replaces the routing of a running server: each request sees the old routing or the new
 * one, never a mix. A group's standby ({@link io.lb4j.api.routing.ServerGroup#standby()}) joins its pool as the
 * tier after its own ({@link io.lb4j.api.Backend#priority()}).
 *
 * <p><b>Threads.</b> A few event-loop threads (default: the number of cores) serve every connection;
 * never a thread per connection. Each connection belongs to one loop for its whole life.
 *
 * <p><b>Memory.</b> Buffers are pooled direct buffers of {@link Builder#bufferSize(int)} bytes (default
 * 16 KiB), taken while bytes wait to be written and given back when they are, so an idle connection holds
 * none. A Layer-4 connection holds at most two (one per direction: 32 KiB); a Layer-7 one at most four
 * (one per direction, and a rewritten request and response head while they are written: 64 KiB), plus the
 * codec's parse state (about 3 KiB, grown up to the header limits only when a head needs it) from a head's
 * first byte until the connection is idle, and for HTTPS three TLS buffers (about 17 KiB each) while TLS
 * bytes are in flight; plus the kernel's socket buffers. Idle, a connection holds at most 4 KiB of heap
 * (16 KiB with TLS: its {@code SSLEngine} and session). An HTTP/2 connection holds each stream's request
 * bytes up to its window until the backend takes them, no buffer when idle, and its protocol state: measured
 * 7 KiB idle (15 KiB with TLS), at most about 32 KiB (40 KiB) with full HPACK tables.
 *
 * <p><b>Limits.</b> {@link Builder#maxConnections} and the shared {@link ConnectionBudget} (by default one
 * per process, sized from the heap) cap client connections; at a cap the listener stops accepting and the
 * kernel's backlog holds the rest. When {@code accept} fails (out of file descriptors) accepting pauses for
 * a second. An {@link Error} on an event loop is fail-stop: {@link ListenerState#FAILED}.
 *
 * <p><b>Lifecycle.</b> {@link ListenerState}: {@link #start()} binds and returns when RUNNING (a port in
 * use throws, naming the listener, the address and the cause); {@link #stop(Duration)} stops accepting,
 * lets open connections and in-flight requests finish within the grace, then closes everything and ends
 * every thread it started. A pool given by the caller is not closed: it belongs to the caller; the pools the
 * server built for its groups are closed with it. The rule is the one of
 * {@code LoadBalancer}: {@code start()} on a started server does nothing, {@code start()} after
 * {@code stop} throws {@link IllegalStateException}, and {@code stop}/{@code close()} are idempotent.
 *
 * <p><b>Peak bandwidth.</b> The listener's {@link Listener#peakBandwidth()} caps the bytes it forwards per
 * second, across all its connections and loops: TCP and HTTP(S) connections stop reading a sender while the
 * budget is spent (back-pressure; no buffer grows), a UDP listener drops datagrams over it.
 * {@link #setPeakBandwidth} changes the caps of the running listener without touching its connections;
 * {@link #bandwidthMetrics()} shows what the caps held back.
 *
 * <p>Thread-safe.
 *
 * @since 0.1.0
 */
public final class ListenerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ListenerServer.class);

  /** The default time to establish a backend connection. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** The default number of backends tried per connection or request before giving up. */
  public static final int DEFAULT_MAX_CONNECT_ATTEMPTS = 3;
  /** The default size of a pooled I/O buffer. */
  public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
  /** Layer 7: the default time an idle client keep-alive connection stays open. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(15);
  /** Layer 7: the default time an idle pooled backend connection stays open. */
  public static final Duration DEFAULT_BACKEND_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Layer 7: the default cap on idle connections kept per backend and event loop: high enough to keep what
   * the load needs (an idle connection is one a request used; the idle timeout closes those the load no
   * longer needs), as Envoy and HAProxy keep connections while in use.
   */
  public static final int DEFAULT_MAX_IDLE_PER_BACKEND = 10_000;
  /** The highest {@link Builder#maxIdleConnectionsPerBackend} accepted. */
  public static final int MAX_IDLE_PER_BACKEND_LIMIT = 10_000;
  /** The shortest {@link Builder#backendIdleTimeout} accepted. */
  public static final Duration MIN_BACKEND_IDLE_TIMEOUT = Duration.ofMillis(100);
  /** The longest {@link Builder#backendIdleTimeout} accepted. */
  public static final Duration MAX_BACKEND_IDLE_TIMEOUT = Duration.ofSeconds(900);

  private final Listener listener;
  private final ServerGroups groups;
  private final InetAddress bindAddress;
  private final int eventLoops;
  private final int bufferSize;
  private final MetricsRecorder metrics = new MetricsRecorder();
  private final ProxyContext context;
  private final Admission admission;
  private final HttpLimits httpLimits;
  private final Http2Limits http2Limits;
  private final SSLContext sslContext;
  private final String viaId;
  private final Duration keepAliveTimeout;
  private final Duration backendIdleTimeout;
  private final int maxIdlePerBackend;
  private volatile HttpContext httpContext;
  private final Logger accessLog;
  private final Runnable onFailure;
  private final FailStopLog failStopLog;
  private volatile Error failure;
  private final AtomicReference<ListenerState> state = new AtomicReference<>(ListenerState.NEW);
  private volatile EventLoop[] loops;
  private volatile Acceptor acceptor;
  private volatile InetSocketAddress localAddress;
  private final BandwidthLimiter bandwidth;
  private final UdpSettings udpSettings;
  /** The datagram side of a UDP listener, or null. */
  private volatile UdpListener udp;

  private ListenerServer(Builder b) {
    this.listener = b.listener;
    this.groups = b.pool != null
        ? ServerGroups.ofPool(listener.name(), b.routing, b.pool)
        : ServerGroups.of(listener.name(), b.routing, new GroupPools(listener,
            b.cookieKeys != null ? b.cookieKeys : CookieKeyRing.random(), b.poolDecorator));
    this.bindAddress = b.bindAddress;
    this.eventLoops = b.eventLoops;
    this.bufferSize = b.bufferSize;
    this.admission = new Admission(b.maxConnections > 0 ? b.maxConnections : b.budget.maxConnections(), b.budget);
    this.bandwidth = new BandwidthLimiter(listener.peakBandwidth(), b.bandwidthClock);
    this.udpSettings = b.udpSettings;
    this.context = new ProxyContext(listener, groups, metrics, b.connectTimeout.toNanos(), b.maxConnectAttempts,
        b.proxyProtocol, admission, bandwidth);
    this.httpLimits = b.httpLimits != null ? b.httpLimits
        : HttpLimits.builder().maxHeaderSectionBytes(listener.maxRequestHeaderSize()).build();
    this.http2Limits = b.http2Limits != null ? b.http2Limits
        : Http2Limits.builder().maxHeaderListSize(listener.maxRequestHeaderSize()).build();
    this.sslContext = b.sslContext;
    this.viaId = b.viaId != null ? b.viaId : listener.name();
    this.keepAliveTimeout = b.keepAliveTimeout;
    this.backendIdleTimeout = b.backendIdleTimeout;
    this.maxIdlePerBackend = b.maxIdlePerBackend;
    this.accessLog = b.accessLog;
    this.onFailure = b.onFailure;
    this.failStopLog = new FailStopLog(listener.name(), b.failStopOut);
  }

  /**
   * A builder for a server forwarding {@code pool.listener()}'s traffic to {@code pool}'s backends.
   *
   * @param pool a pool built for a listener ({@code LoadBalancers.builder(listener)})
   * @return a new builder
   * @throws IllegalArgumentException when {@code pool} is a client-side pool, which has no listener to serve
   */
  public static Builder builder(LoadBalancer pool) {
    return new Builder(Objects.requireNonNull(pool, "pool"));
  }

  /**
   * A builder for a server of {@code listener} whose traffic goes to server groups ({@link Builder#routing}):
   * the server builds, starts and closes their pools.
   *
   * @param listener the listener; its pool settings are the default of every group
   * @return a new builder
   * @since 0.1.0
   */
  public static Builder builder(Listener listener) {
    return new Builder(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Binds the port, starts the event loops and returns once accepting. lb4j's one lifecycle rule, as for a
   * {@code LoadBalancer}: on a started server it does nothing and returns it (a call racing the first one
   * returns once that one is done); after {@link #stop} (or a start that failed) it throws.
   *
   * @return this server
   * @throws IllegalStateException when the server was stopped, or a backend is this listener's own address
   * @throws UncheckedIOException when the port cannot be bound; the message names the listener, the
   *     address and the cause (for example "Address already in use")
   */
  public ListenerServer start() {
    if (!state.compareAndSet(ListenerState.NEW, ListenerState.STARTING)) {
      while (state.get() == ListenerState.STARTING) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // another thread is binding: wait for it
      }
      ListenerState now = state.get();
      checkState(now == ListenerState.RUNNING, "listener " + listener.name() + " is " + now
          + ": a stopped server cannot be started again, build a new one");
      return this;
    }
    InetSocketAddress address = new InetSocketAddress(bindAddress, listener.frontendPort());
    try {
      groups.start();
    } catch (RuntimeException e) {
      state.set(ListenerState.STOPPED);
      throw e;
    }
    if (listener.frontendProtocol() == Protocol.UDP) {
      return startUdp(address);
    }
    ServerSocketChannel server = null;
    try {
      server = Sockets.listening(address);
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.configureBlocking(false);
      server.bind(address, listener.acceptBacklog());
      localAddress = (InetSocketAddress) server.getLocalAddress();
      RoutingChecks.rejectSelfLoop(listener, RoutingChecks.members(groups.current()), localAddress);
    } catch (IOException e) {
      closeServerSocket(server);
      groups.close();
      state.set(ListenerState.STOPPED);
      String message = "listener " + listener.name() + " cannot bind " + address.getAddress().getHostAddress() + ":"
          + listener.frontendPort() + ": " + e.getMessage();
      BindException bind = new BindException(message);
      bind.initCause(e);
      throw new UncheckedIOException(message, bind);
    } catch (RuntimeException e) {
      closeServerSocket(server);
      groups.close();
      state.set(ListenerState.STOPPED);
      throw e;
    }
    if (listener.frontendProtocol().isLayer7()) {
      httpContext = new HttpContext(context, httpLimits, http2Limits, viaId, sslContext, localAddress.getPort(),
          keepAliveTimeout.toNanos(), accessLog);
    }
    EventLoop[] started = startLoops();
    Acceptor a = new Acceptor(listener.name(), server, started, connectionHandler(), metrics, admission);
    acceptor = a;
    CompletableFuture<Void> registered = new CompletableFuture<>();
    started[0].execute(() -> {
      try {
        a.register();
        registered.complete(null);
      } catch (IOException | RuntimeException e) {
        registered.completeExceptionally(e);
      }
    });
    try {
      registered.join();
    } catch (RuntimeException e) {
      for (EventLoop loop : started) {
        loop.stop();
      }
      awaitLoopsEnded();
      closeServerSocket(server);
      groups.close();
      state.set(ListenerState.STOPPED);
      throw new IllegalStateException("listener " + listener.name() + " could not start accepting", e);
    }
    if (!state.compareAndSet(ListenerState.STARTING, ListenerState.RUNNING)) {
      awaitLoopsEnded();
      throw new IllegalStateException("listener " + listener.name() + " failed while starting", failure);
    }
    log.info("listener {} ({}) accepting on {}", listener.name(), listener.frontendProtocol(),
        localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort());
    return this;
  }

  /** Starts the event loops (published in {@link #loops}). */
  private EventLoop[] startLoops() {
    EventLoop[] started = new EventLoop[eventLoops];
    LoopFailures failures = new LoopFailures();
    for (int i = 0; i < eventLoops; i++) {
      BufferPool buffers = new BufferPool(bufferSize, 1024, metrics);
      started[i] = new EventLoop("lb4j-listener-" + listener.name() + "-" + i, buffers, failures, failStopLog);
      started[i].backendPool(new BackendConnectionPool(maxIdlePerBackend, backendIdleTimeout.toNanos(), started[i]));
      started[i].exchangeCodecs(new ExchangeCodec.Pool(httpLimits));
      if (httpContext != null && httpContext.backendHttp2) {
        started[i].http2().backends = new Http2BackendPool(httpContext, started[i], backendIdleTimeout.toNanos());
      }
      started[i].start();
    }
    loops = started;
    return started;
  }

  /**
   * A UDP listener: binds its sockets ({@link UdpListener}: one per loop where SO_REUSEPORT exists), starts
   * the loops and registers one socket with each.
   */
  private ListenerServer startUdp(InetSocketAddress address) {
    UdpListener u;
    try {
      u = UdpListener.bind(context, udpSettings, address, eventLoops);
      localAddress = u.localAddress();
      RoutingChecks.rejectSelfLoop(listener, RoutingChecks.members(groups.current()), localAddress);
    } catch (IOException e) {
      groups.close();
      state.set(ListenerState.STOPPED);
      String message = "listener " + listener.name() + " cannot bind UDP " + address.getAddress().getHostAddress() + ":"
          + listener.frontendPort() + ": " + e.getMessage();
      BindException bind = new BindException(message);
      bind.initCause(e);
      throw new UncheckedIOException(message, bind);
    } catch (RuntimeException e) {
      groups.close();
      state.set(ListenerState.STOPPED);
      throw e;
    }
    EventLoop[] started = startLoops();
    udp = u;
    try {
      u.register(started).join();
    } catch (RuntimeException e) {
      for (EventLoop loop : started) {
        loop.stop();
      }
      awaitLoopsEnded();
      u.closeSockets();
      groups.close();
      state.set(ListenerState.STOPPED);
      throw new IllegalStateException("listener " + listener.name() + " could not start reading datagrams", e);
    }
    if (!state.compareAndSet(ListenerState.STARTING, ListenerState.RUNNING)) {
      awaitLoopsEnded();
      throw new IllegalStateException("listener " + listener.name() + " failed while starting", failure);
    }
    log.info("listener {} (UDP, {} socket{}) receiving on {}", listener.name(), u.socketCount(),
        u.socketCount() == 1 ? "" : "s", localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort());
    return this;
  }

  private ChannelOpener connectionHandler() {
    boolean tcp = listener.frontendProtocol() == Protocol.TCP;
    HttpContext http = httpContext;
    return new ChannelOpener() {
      @Override
      public void open(EventLoop loop, SocketChannel channel) {
        if (tcp) {
          TcpProxyConnection.open(context, loop, channel);
        } else {
          HttpProxyConnection.open(http, loop, channel);
        }
      }

      @Override
      public void discard(SocketChannel channel) {
        Sockets.closeQuietly(channel);
        admission.release();
      }
    };
  }

  /**
   * Fail-stop: an event loop hit an {@link Error}. The first loop to fail stops accepting (the server
   * socket closes, so clients are refused instead of queued in a backlog no one reads), stops the other
   * loops (each closes what it holds) and sets {@link ListenerState#FAILED}; none of that allocates.
   * Once the failing loop has closed its own connections, the error is logged and the failure callback
   * runs, when the heap has room again.
   */
  private final class LoopFailures implements EventLoop.FailureListener {
    @Override
    public void loopFailing(EventLoop failed, Error error) {
      Acceptor a = acceptor;
      if (a != null) {
        a.closeNow(); // thread-safe: cancels the key and closes the server socket
      }
      EventLoop[] ls = loops;
      if (ls != null) {
        for (EventLoop loop : ls) {
          loop.stop();
        }
      }
      while (true) {
        ListenerState s = state.get();
        if (s == ListenerState.FAILED || s == ListenerState.STOPPED) {
          return;
        }
        if (state.compareAndSet(s, ListenerState.FAILED)) {
          failure = error;
          return;
        }
      }
    }

    @Override
    public void loopFailed(EventLoop failed, Error error) {
      if (failure != error) {
        return; // a second loop failing, or a failure after stop: reported once
      }
      log.error("listener {} FAILED: event loop {} hit {}; its connections are closed and it no longer accepts",
          listener.name(), failed.thread().getName(), error.toString(), error);
      if (onFailure != null) {
        onFailure.run();
      }
    }
  }

  private static void closeServerSocket(ServerSocketChannel server) {
    if (server != null) {
      try {
        server.close();
      } catch (IOException ignored) {
        // the bind failed; nothing else to release
      }
    }
  }

  /** The address the server is bound to (with the port the OS chose for port 0); null before start. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** The current state. */
  public ListenerState state() {
    return state.get();
  }

  /**
   * The {@link Error} that made this listener {@link ListenerState#FAILED} (an event loop ran out of
   * memory, say), or null while it has not failed.
   *
   * @since 0.1.0
   */
  public Throwable failureCause() {
    return failure;
  }

  /** The listener served. */
  public Listener listener() {
    return listener;
  }

  /**
   * The most client connections this listener holds at once ({@link Builder#maxConnections}); it may hold
   * fewer when the {@link ConnectionBudget} it shares is spent.
   */
  public int maxConnections() {
    return admission.max();
  }

  /** A snapshot of this server's counters (for a UDP listener, its flows count as connections). */
  public ListenerMetrics metrics() {
    return metrics.snapshot();
  }

  /**
   * A snapshot of a UDP listener's datagram counters: forwarded, dropped by cause, flows, ICMP errors, and the
   * kernel's drops on its sockets (read from {@code /proc}: call it from a monitoring thread, not a hot path).
   *
   * @throws IllegalStateException when the listener is not UDP, or not started
   * @since 0.1.0
   */
  public UdpMetrics udpMetrics() {
    UdpListener u = udp;
    checkState(u != null, "listener " + listener.name() + " is not a started UDP listener (protocol "
        + listener.frontendProtocol() + ", state " + state.get() + ")");
    return u.metrics();
  }

  /**
   * Changes the listener's peak bandwidth while it runs: every connection's next read (every datagram, for UDP)
   * sees the new caps; no connection is closed and no buffer is dropped. A reload hook for gateways.
   *
   * @since 0.1.0
   */
  public void setPeakBandwidth(PeakBandwidth caps) {
    PeakBandwidth old = bandwidth.current();
    bandwidth.set(caps);
    if (!old.equals(caps)) {
      log.info("listener {}: peak bandwidth {} -> {}", listener.name(), old, caps);
    }
  }

  /**
   * The routing in force: the last one {@link #reconfigure} applied, else the builder's (for a server of the
   * caller's pool, one group named after the listener).
   *
   * @since 0.1.0
   */
  public Routing routing() {
    return groups.current().routing;
  }

  /**
   * The pools of the routed groups in force, by group name, in the routing's order (empty before
   * {@link #start()} for a server that builds its pools; the caller's pool for one built from a pool).
   *
   * @since 0.1.0
   */
  public Map<String, LoadBalancer> groups() {
    return Collections.unmodifiableMap(groups.pools());
  }

  /**
   * The pool of routed group {@code name}.
   *
   * @throws IllegalArgumentException when no routed group has that name (or the server has not started)
   * @since 0.1.0
   */
  public LoadBalancer group(String name) {
    LoadBalancer pool = groups.pools().get(Objects.requireNonNull(name, "name"));
    if (pool == null) {
      throw new IllegalArgumentException("group must name a routed group of listener " + listener.name()
          + groups.pools().keySet() + ", was '" + name + "'");
    }
    return pool;
  }

  /**
   * What the routing decided since start (requests per rule, to the default group, refused with 404 or 400)
   * and each routed group's state (active tier, standby in use, eligible backends). Reads every group's
   * view: for monitoring, not for a request path.
   *
   * @since 0.1.0
   */
  public RoutingMetrics routingMetrics() {
    return groups.current().metrics();
  }

  /**
   * Replaces the routing of this server as a whole, without closing a connection: groups, rules, standby
   * groups and listed backends change at once, and each request sees the old routing or the new one, never a
   * mix (a group kept under the same name keeps its pool, health state and sessions; its listed backends
   * change in two halves so that old and new requests each see their own; see {@link ServerGroups}). Pools of
   * new groups are started and given up to two check intervals to find an eligible backend before they take
   * traffic. Returns once the new routing serves every request that starts from then on; the future completes
   * once the old routing's last request that could still select ended and the pools no group uses any more
   * are closed. A change made before the previous one ended ends that one first.
   *
   * @param next the new routing
   * @return completed when the previous routing is retired
   * @throws IllegalStateException when the server serves a pool of the caller's, is stopped, or {@code next}
   *     does not fit the listener (rules on a Layer-4 listener, two groups inserting the same cookie, a
   *     backend that is the listener's own address); nothing changed then
   * @since 0.1.0
   */
  public CompletableFuture<Void> reconfigure(Routing next) {
    Objects.requireNonNull(next, "routing");
    checkState(groups.ownsPools(), "listener " + listener.name() + " serves a pool of the caller's: build the"
        + " server with ListenerServer.builder(listener).routing(...) to change its routing");
    RoutingChecks.check(listener, next);
    InetSocketAddress local = localAddress;
    if (local != null) {
      RoutingChecks.rejectSelfLoop(listener, RoutingChecks.listed(listener, next), local);
    }
    ListenerState s = state.get();
    checkState(s == ListenerState.NEW || s == ListenerState.STARTING || s == ListenerState.RUNNING,
        "listener " + listener.name() + " is " + s + ": its routing can no longer change");
    return groups.reconfigure(next, this::loopBarrier);
  }

  /**
   * Returns once every event loop ran a task queued now: a request that read the previous routing has acquired
   * its group by then (routing and the first select happen in one task of its loop).
   */
  private void loopBarrier() {
    EventLoop[] ls = loops;
    if (ls == null) {
      return;
    }
    CountDownLatch passed = new CountDownLatch(ls.length);
    for (EventLoop loop : ls) {
      loop.execute(passed::countDown);
    }
    boolean interrupted = false;
    try {
      while (!passed.await(10, TimeUnit.MILLISECONDS)) {
        if (state.get() != ListenerState.RUNNING) {
          return; // stopping or failed: the loops drop their tasks, and no request routes any more
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The peak bandwidth in force: the listener's, or the last {@link #setPeakBandwidth}. */
  public PeakBandwidth peakBandwidth() {
    return bandwidth.current();
  }

  /**
   * What the peak bandwidth held back since start: bytes delayed (or, for UDP, dropped), time throttled and
   * pauses, per direction.
   *
   * @since 0.1.0
   */
  public BandwidthMetrics bandwidthMetrics() {
    return bandwidth.snapshot();
  }

  /** The peak-bandwidth buckets (tests read their tokens). */
  BandwidthLimiter bandwidthLimiter() {
    return bandwidth;
  }

  /** Event loop {@code i} (tests: inject a failure on a loop). */
  EventLoop eventLoop(int i) {
    return loops[i];
  }

  /** Wake-ups of all event loops since start (tests: idle connections must not wake a loop). */
  long loopTurns() {
    EventLoop[] ls = loops;
    long sum = 0;
    if (ls != null) {
      for (EventLoop loop : ls) {
        sum += loop.turns();
      }
    }
    return sum;
  }

  /** The live counters, including those not in {@link ListenerMetrics} (write calls, for tests). */
  MetricsRecorder recorder() {
    return metrics;
  }

  /**
   * Stops accepting, waits up to {@code grace} for open connections (Layer 4) or in-flight requests
   * (Layer 7) to finish, then closes everything and waits for the event-loop threads to end. Idempotent:
   * a second call returns once the first has finished. On a {@link ListenerState#FAILED} listener it
   * waits for the loops to end (they closed everything already) and the state stays {@code FAILED}.
   *
   * @throws IllegalArgumentException when {@code grace} is negative or above 15 minutes
   */
  public void stop(Duration grace) {
    checkRange("listenerServer.stopGrace", grace, Duration.ZERO, Duration.ofMinutes(15));
    if (state.compareAndSet(ListenerState.NEW, ListenerState.STOPPED)) {
      groups.close();
      return;
    }
    if (!state.compareAndSet(ListenerState.RUNNING, ListenerState.STOPPING)) {
      awaitLoopsEnded();
      groups.close();
      return;
    }
    EventLoop[] ls = loops;
    Acceptor a = acceptor;
    if (a != null) {
      ls[0].execute(a::closeNow);
    }
    UdpListener u = udp;
    if (u != null) {
      u.stopping = true; // new flows are refused; open ones forward until they go idle or the grace ends
    }
    HttpContext http = httpContext;
    if (http != null) {
      http.draining = true; // idle keep-alive connections close now, busy ones after their response
      for (EventLoop loop : ls) {
        loop.execute(loop::checkAllNow);
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    // The caller's thread waits, not a loop thread: polling a counter here costs nothing on the loops.
    while (metrics.activeConnections() > 0 && System.nanoTime() - deadline < 0
        && state.get() == ListenerState.STOPPING) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    for (EventLoop loop : ls) {
      loop.stop();
    }
    awaitLoopsEnded();
    groups.close();
    if (state.compareAndSet(ListenerState.STOPPING, ListenerState.STOPPED)) {
      log.info("listener {} stopped", listener.name());
    }
  }

  private void awaitLoopsEnded() {
    EventLoop[] ls = loops;
    if (ls == null) {
      return;
    }
    boolean interrupted = false;
    for (EventLoop loop : ls) {
      while (true) {
        try {
          if (!loop.awaitStopped(60_000)) {
            log.warn("listener {}: event loop {} did not end within 60s", listener.name(), loop.thread().getName());
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops at once: {@code stop(Duration.ZERO)}. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }

  @Override
  public String toString() {
    return "ListenerServer{" + listener.name() + " " + state.get() + " " + localAddress + "}";
  }

  /**
   * Builds a {@link ListenerServer}. Each setter validates its value ({@link IllegalArgumentException}
   * naming the field, the value and the allowed range). Not thread-safe.
   */
  public static final class Builder {
    private final Listener listener;
    /** The caller's pool, or null when the server builds its groups' pools. */
    private final LoadBalancer pool;
    private Routing routing;
    private CookieKeyRing cookieKeys;
    private UnaryOperator<LoadBalancer> poolDecorator = UnaryOperator.identity();
    private InetAddress bindAddress;
    private int eventLoops = Runtime.getRuntime().availableProcessors();
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int maxConnectAttempts = DEFAULT_MAX_CONNECT_ATTEMPTS;
    private ProxyProtocol proxyProtocol = ProxyProtocol.NONE;
    private int bufferSize = DEFAULT_BUFFER_SIZE;
    private HttpLimits httpLimits;
    private Http2Limits http2Limits;
    private SSLContext sslContext;
    private String viaId;
    private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
    private Duration backendIdleTimeout = DEFAULT_BACKEND_IDLE_TIMEOUT;
    private int maxIdlePerBackend = DEFAULT_MAX_IDLE_PER_BACKEND;
    private Logger accessLog = LoggerFactory.getLogger("io.lb4j.access");
    private Runnable onFailure;
    private java.io.OutputStream failStopOut;
    private int maxConnections;
    private ConnectionBudget budget = ConnectionBudget.processDefault();
    private UdpSettings udpSettings = UdpSettings.defaults();
    private LongSupplier bandwidthClock = System::nanoTime;

    private Builder(LoadBalancer pool) {
      this.pool = pool;
      if (pool.listener() == null) {
        throw new IllegalArgumentException("pool must be built for a listener (LoadBalancers.builder(listener)) to"
            + " be served by a ListenerServer, was the client-side pool '" + pool.name() + "'");
      }
      this.listener = pool.listener();
      // One group, named after the listener, that every request goes to: the caller's pool.
      this.routing = Routing.of(ServerGroup.builder(listener.name()).build());
      this.bindAddress = anyAddress();
    }

    private Builder(Listener listener) {
      this.pool = null;
      this.listener = listener;
      this.bindAddress = anyAddress();
    }

    private static InetAddress anyAddress() {
      try {
        return InetAddress.getByAddress(new byte[4]);
      } catch (UnknownHostException e) {
        throw new AssertionError("0.0.0.0 is a valid address", e);
      }
    }

    /**
     * The server groups, rules and standby the listener routes to (required for a server built from a
     * listener; see {@link Routing}). The server builds a pool for each routed group when it starts.
     *
     * @throws IllegalStateException for a server built from a pool of the caller's
     * @since 0.1.0
     */
    public Builder routing(Routing routing) {
      checkState(pool == null, "listenerServer.routing: the server of pool '" + (pool == null ? "" : pool.name())
          + "' sends everything to it; build the server with ListenerServer.builder(listener) to route to groups");
      this.routing = Objects.requireNonNull(routing, "listenerServer.routing");
      return this;
    }

    /**
     * The keys that sign inserted session cookies, shared by every group's pool (default: a random key for
     * this server). Give every gateway of a fleet the same keys so they honour each other's cookies.
     *
     * @since 0.1.0
     */
    public Builder cookieKeys(CookieKeyRing keys) {
      this.cookieKeys = Objects.requireNonNull(keys, "listenerServer.cookieKeys");
      return this;
    }

    /**
     * Applied to each pool the server builds for a group, before it serves: a wrapper that counts what the
     * listener reports, for example (default: none).
     *
     * @since 0.1.0
     */
    public Builder poolDecorator(UnaryOperator<LoadBalancer> decorator) {
      this.poolDecorator = Objects.requireNonNull(decorator, "listenerServer.poolDecorator");
      return this;
    }

    /** The local address to bind (default 0.0.0.0, every IPv4 interface). */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "listenerServer.bindAddress");
      return this;
    }

    /** The number of event-loop threads, 1-256 (default: the number of available processors). */
    public Builder eventLoops(int n) {
      this.eventLoops = checkRange("listenerServer.eventLoops", n, 1, 256);
      return this;
    }

    /** The time to establish a backend connection, 10ms-60s (default 5s); slower counts as a failed connect. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = checkRange("listenerServer.connectTimeout", timeout, Duration.ofMillis(10),
          Duration.ofSeconds(60));
      return this;
    }

    /**
     * Backends tried per connection (Layer 4) or request (Layer 7) when connecting fails, 1-10 (default
     * 3). Each failure is reported to the pool; a retry goes to the next backend the pool selects.
     */
    public Builder maxConnectAttempts(int attempts) {
      this.maxConnectAttempts = checkRange("listenerServer.maxConnectAttempts", attempts, 1, 10);
      return this;
    }

    /** Layer 4: the PROXY protocol header sent to backends (default {@link ProxyProtocol#NONE}). */
    public Builder proxyProtocol(ProxyProtocol version) {
      this.proxyProtocol = Objects.requireNonNull(version, "listenerServer.proxyProtocol");
      return this;
    }

    /** The size of each pooled I/O buffer in bytes, 4096-1048576 (default 16384). */
    public Builder bufferSize(int bytes) {
      this.bufferSize = checkRange("listenerServer.bufferSize", bytes, 4096, 1024 * 1024);
      return this;
    }

    /**
     * Layer 7: the codec's limits (request line 414, header section 431, fields, chunk lines, trailers,
     * response heads). Default: {@link HttpLimits#defaults()} with the header section limit set to the
     * listener's {@code maxRequestHeaderSize}.
     */
    public Builder httpLimits(HttpLimits limits) {
      this.httpLimits = Objects.requireNonNull(limits, "listenerServer.httpLimits");
      return this;
    }

    /**
     * Layer 7: the HTTP/2 limits of client connections (and of h2c connections to backends): concurrent
     * streams, windows, header sizes, flood rates (see {@link Http2Limits}). Default: {@link Http2Limits#defaults()}
     * with {@code maxHeaderListSize} set to the listener's {@code maxRequestHeaderSize}.
     *
     * @since 0.1.0
     */
    public Builder http2Limits(Http2Limits limits) {
      this.http2Limits = Objects.requireNonNull(limits, "listenerServer.http2Limits");
      return this;
    }

    /** HTTPS: the TLS context clients are served with (required for an HTTPS listener; see {@link PemSsl}). */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "listenerServer.sslContext");
      return this;
    }

    /**
     * Layer 7: this listener's id in {@code Via} (default: the listener's name). A request that already
     * carries it came back through a backend that called this listener: it gets 508. Give each balancer
     * of a chain its own id.
     */
    public Builder viaId(String id) {
      this.viaId = checkCharset("listenerServer.viaId", id, 1, 64, "A-Z a-z 0-9 '-' '_' '.'",
          c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
              || c == '.');
      return this;
    }

    /** Layer 7: how long an idle client keep-alive connection stays open, 1s-900s (default 15s). */
    public Builder keepAliveTimeout(Duration timeout) {
      this.keepAliveTimeout = checkRange("listenerServer.keepAliveTimeout", timeout, Duration.ofSeconds(1),
          Duration.ofSeconds(900));
      return this;
    }

    /**
     * Layer 7: how long an idle pooled backend connection stays open, 100ms-900s (default 30s). Connections
     * are reused most recently used first, so those beyond what the load needs stay idle and close.
     */
    public Builder backendIdleTimeout(Duration timeout) {
      this.backendIdleTimeout = checkRange("listenerServer.backendIdleTimeout", timeout, MIN_BACKEND_IDLE_TIMEOUT,
          MAX_BACKEND_IDLE_TIMEOUT);
      return this;
    }

    /**
     * Layer 7: idle keep-alive connections kept per backend and event loop, 0-10000 (default 10000, in
     * effect what the load needs; {@link #backendIdleTimeout} closes the rest); 0 opens a connection per
     * request. Bounds idle connections, not concurrency: below the number of requests in flight at once,
     * responses close connections that the next requests open again (the churn nginx's {@code keepalive}
     * causes when set too low).
     */
    public Builder maxIdleConnectionsPerBackend(int max) {
      this.maxIdlePerBackend = checkRange("listenerServer.maxIdleConnectionsPerBackend", max, 0,
          MAX_IDLE_PER_BACKEND_LIMIT);
      return this;
    }

    /**
     * Called once if the listener fails ({@link ListenerState#FAILED}: an event loop hit an {@link Error}
     * such as {@code OutOfMemoryError}), after it closed its sockets; on the failing loop's thread, so it
     * must return quickly and not block: signal a thread of your own (the gateway ends the process with
     * exit code 3 so that a supervisor restarts it). Default: none (poll {@link ListenerServer#state()}).
     */
    public Builder onFailure(Runnable callback) {
      this.onFailure = Objects.requireNonNull(callback, "listenerServer.onFailure");
      return this;
    }

    /** Where the prepared fail-stop line goes (default: standard error); tests capture it. */
    Builder failStopLog(java.io.OutputStream out) {
      this.failStopOut = Objects.requireNonNull(out, "failStopLog");
      return this;
    }

    /**
     * The most client connections this listener holds at once, 1-10,000,000 (default: the size of its
     * {@link #connectionBudget}, which by default is derived from the heap, see {@link ConnectionBudget}).
     * At the cap the listener stops accepting (connections wait in the kernel's backlog, up to the
     * listener's {@code acceptBacklog}) and resumes once 10% of them closed.
     */
    public Builder maxConnections(int max) {
      this.maxConnections = checkRange("listenerServer.maxConnections", max, 1, ConnectionBudget.MAX_CONNECTIONS_LIMIT);
      return this;
    }

    /**
     * The client connections this listener shares with others (default {@link ConnectionBudget#processDefault()},
     * one per process, sized from the heap): a process-wide total on top of {@link #maxConnections}.
     */
    public Builder connectionBudget(ConnectionBudget budget) {
      this.budget = Objects.requireNonNull(budget, "listenerServer.connectionBudget");
      return this;
    }

    /**
     * UDP: the flows' idle timeout, the largest datagram and the cap on flows (default
     * {@link UdpSettings#defaults()}); ignored by other listeners.
     *
     * @since 0.1.0
     */
    public Builder udp(UdpSettings settings) {
      this.udpSettings = Objects.requireNonNull(settings, "listenerServer.udp");
      return this;
    }

    /** The clock of the peak-bandwidth buckets ({@code System.nanoTime()} scale); tests move it by hand. */
    Builder bandwidthClock(LongSupplier clock) {
      this.bandwidthClock = Objects.requireNonNull(clock, "bandwidthClock");
      return this;
    }

    /** The access logger (default SLF4J {@code io.lb4j.access}); tests capture lines with their own. */
    Builder accessLog(Logger logger) {
      this.accessLog = Objects.requireNonNull(logger, "accessLog");
      return this;
    }

    /**
     * Builds the server (not started).
     *
     * @throws IllegalStateException when a PROXY protocol header is asked for a Layer-7 or UDP listener, an
     *     HTTPS listener has no TLS context, or a backend is the listener's own fixed address and port
     */
    public ListenerServer build() {
      Listener l = listener;
      checkState(routing != null, "listenerServer.routing is required for a server built from listener "
          + l.name() + " (its server groups and rules)");
      RoutingChecks.check(l, routing);
      checkState(proxyProtocol == ProxyProtocol.NONE || l.frontendProtocol() == Protocol.TCP,
          "listenerServer.proxyProtocol " + proxyProtocol + " needs a TCP listener, but listener.frontendProtocol is "
              + l.frontendProtocol());
      checkState(l.frontendProtocol() != Protocol.HTTPS || sslContext != null,
          "listenerServer.sslContext is required for an HTTPS listener (listener " + l.name() + ")");
      if (l.frontendPort() != 0) {
        InetSocketAddress fixed = new InetSocketAddress(bindAddress, l.frontendPort());
        RoutingChecks.rejectSelfLoop(l, pool != null ? RoutingChecks.members(ServerGroups.ofPool(l.name(), routing,
            pool).current()) : RoutingChecks.listed(l, routing), fixed);
      }
      return new ListenerServer(this);
    }
  }
}
