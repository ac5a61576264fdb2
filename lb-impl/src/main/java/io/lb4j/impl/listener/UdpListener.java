package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running UDP listener's datagram side: its sockets, one {@link UdpListenerLoop} per socket, the flow cap
 * shared by them, and its counters. Created by {@link ListenerServer#start()} for a {@code Protocol.UDP}
 * listener; everything runs on the server's event loops.
 *
 * <p><b>Sockets.</b> Where the operating system offers {@code SO_REUSEPORT} (Linux), each event loop binds
 * its own socket to the listener's address and the kernel spreads clients over them by a hash of the
 * client's address and port, so a flow always reaches the same socket and loop, and the loops share nothing
 * per datagram (nginx's {@code listen ... udp reuseport}). Elsewhere, or with one loop, one socket on one
 * loop serves every flow.
 *
 * <p><b>Replies</b> leave from the socket the client sent to, so they come from the listener's address and
 * port. On a listener bound to the wildcard address of a host with several addresses, the operating system
 * picks the reply's source address by its routes (the JDK cannot set it per datagram, as nginx does with
 * {@code IP_PKTINFO}): bind such listeners to a specific address.
 *
 * <p>Thread-safe: the sockets and flows are confined to their loops; the cap, the counters and the set of
 * ports (read by {@link #metrics}) are concurrent.
 */
final class UdpListener {
  private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
  private static final long WARN_SPACING_NANOS = 10_000_000_000L;

  private final AtomicLongArray lastWarned = new AtomicLongArray(UdpMetrics.DropCause.values().length);
  final ProxyContext ctx;
  final UdpSettings settings;
  final UdpCounters counters = new UdpCounters();
  /** Local ports of the listener's sockets and of every open flow's socket, for the kernel's drop counts. */
  final Set<Integer> ports = ConcurrentHashMap.newKeySet();
  final long idleTimeoutNanos;
  private final AtomicInteger flows = new AtomicInteger();
  private final List<DatagramChannel> sockets;
  private final InetSocketAddress localAddress;
  /** Set by {@code stop()}: new flows are refused, open ones keep forwarding. */
  volatile boolean stopping;

  private UdpListener(ProxyContext ctx, UdpSettings settings, List<DatagramChannel> sockets,
      InetSocketAddress localAddress) {
    this.ctx = ctx;
    this.settings = settings;
    this.sockets = sockets;
    this.localAddress = localAddress;
    this.idleTimeoutNanos = settings.flowIdleTimeout().toNanos();
    this.ports.add(localAddress.getPort());
  }

  /**
   * Binds the listener's sockets: one per loop with {@code SO_REUSEPORT} when {@code socketsWanted > 1} and
   * the OS supports it, else one. Nothing is registered with a loop yet.
   *
   * @throws IOException when the address cannot be bound (every socket opened is closed)
   */
  static UdpListener bind(ProxyContext ctx, UdpSettings settings, InetSocketAddress address, int socketsWanted)
      throws IOException {
    ProtocolFamily family = address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6
        : StandardProtocolFamily.INET;
    List<DatagramChannel> sockets = new ArrayList<>();
    try {
      DatagramChannel first = DatagramChannel.open(family);
      sockets.add(first);
      boolean reusePort = socketsWanted > 1 && first.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
      if (reusePort) {
        first.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      first.configureBlocking(false);
      first.bind(address);
      InetSocketAddress bound = (InetSocketAddress) first.getLocalAddress();
      for (int i = 1; reusePort && i < socketsWanted; i++) {
        DatagramChannel more = DatagramChannel.open(family);
        sockets.add(more);
        more.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        more.configureBlocking(false);
        more.bind(bound);
      }
      return new UdpListener(ctx, settings, sockets, bound);
    } catch (IOException | RuntimeException e) {
      for (DatagramChannel s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // already failing
        }
      }
      throw e;
    }
  }

  /** The bound address (the port the OS chose for port 0). */
  InetSocketAddress localAddress() {
    return localAddress;
  }

  /** How many sockets serve the listener (one per loop with SO_REUSEPORT, else one). */
  int socketCount() {
    return sockets.size();
  }

  /**
   * Registers socket {@code i} with {@code loops[i]} on each loop's thread; the future completes once every
   * socket is read.
   */
  CompletableFuture<Void> register(EventLoop[] loops) {
    CompletableFuture<?>[] registered = new CompletableFuture<?>[sockets.size()];
    for (int i = 0; i < sockets.size(); i++) {
      UdpListenerLoop h = new UdpListenerLoop(this, loops[i], sockets.get(i), new UdpFlowTable(flows, settings.maxFlows()));
      CompletableFuture<Void> done = new CompletableFuture<>();
      registered[i] = done;
      loops[i].execute(() -> {
        try {
          h.register();
          done.complete(null);
        } catch (IOException | RuntimeException e) {
          done.completeExceptionally(e);
        }
      });
    }
    return CompletableFuture.allOf(registered);
  }

  /** Closes every socket (a start that failed; closing one a loop closed already is harmless). */
  void closeSockets() {
    for (DatagramChannel s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing left to release
      }
    }
  }

  /** Flows open now, on every loop. */
  int activeFlows() {
    return flows.get();
  }

  /**
   * Logs {@code message} at WARN, at most once every 10 s per cause: a drop that repeats for every datagram
   * shows in the log once, with the listener's name, and in the counters every time.
   */
  void warnEvery10s(UdpMetrics.DropCause cause, String message) {
    long now = System.nanoTime();
    long last = lastWarned.get(cause.ordinal());
    if ((last == 0 || now - last >= WARN_SPACING_NANOS) && lastWarned.compareAndSet(cause.ordinal(), last, now)) {
      log.warn("listener {}: {}", ctx.listener.name(), message);
    }
  }

  /** A snapshot of the counters (reads the kernel's drop counts: call it off the loops). */
  UdpMetrics metrics() {
    ListenerMetrics m = ctx.metrics.snapshot();
    return counters.snapshot(flows.get(), m.connectionsTotal(), UdpKernelDrops.sum(ports));
  }
}
