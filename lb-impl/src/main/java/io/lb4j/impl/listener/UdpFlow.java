package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP flow: a client address and port, the backend the pool selected for it, and a socket connected to
 * that backend. The client's datagrams go out on that socket; what the backend sends back on it goes to the
 * client from the listener's socket ({@link UdpListenerLoop#sendToClient}).
 *
 * <p><b>Selection.</b> The flow's first datagram selects through the pool with the client's address (source-IP
 * hash and source-IP persistence) and a hash of the client's address and port and the listener's port (the
 * four-tuple, for consistent hash); the selection is held for the flow's life, so least-connections counts
 * flows, and released when the flow ends.
 *
 * <p><b>A backend that is down.</b> Its host answers ICMP port unreachable, which the connected socket reports
 * on the next read or write ({@link PortUnreachableException}). The flow counts it, reports a connect failure
 * to the pool (passive health checking ejects a backend that keeps failing), and moves to another backend the
 * pool selects, never one it tried already, up to the listener's connect attempts; a datagram whose write
 * failed so is sent again to the new backend. The datagrams already sent to the closed port are lost (UDP
 * clients retry); when no backend is left, the flow ends and the datagram is counted as
 * {@link UdpMetrics.DropCause#BACKEND_UNREACHABLE}. A reply from the backend resets the attempts.
 *
 * <p><b>Expiry.</b> After the listener's flow idle timeout without a datagram either way, the flow closes (its
 * own {@link LoopTimer}, re-armed lazily: a busy flow costs no timer work per datagram).
 *
 * <p>Confined to its loop's thread; nothing in it blocks (a connected datagram socket's connect only sets
 * its peer).
 */
final class UdpFlow extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(UdpFlow.class);

  final InetSocketAddress client;
  private final UdpListenerLoop home;
  private final UdpListener listener;
  private final ProxyContext ctx;
  private final RequestContext request;
  private DatagramChannel channel;
  private SelectionKey key;
  private Selection selection;
  private int localPort = -1;
  /** Backends that answered port unreachable for this flow (null until one did). */
  private List<String> tried;
  private int attempts;
  /** Whether the current backend has sent a datagram (its success is reported once). */
  private boolean heard;
  /** When the first datagram to the current backend left, for the latency of its first reply. */
  private long firstSent;
  private long lastActivity;
  private boolean closed;
  /** Why the pool had no backend, for the log line of a flow that could not open. */
  private String noBackendReason = "";

  private UdpFlow(UdpListenerLoop home, InetSocketAddress client, long now) {
    this.home = home;
    this.listener = home.listener;
    this.ctx = listener.ctx;
    this.client = client;
    this.lastActivity = now;
    this.request = RequestContext.builder().clientAddress(client.getAddress()).hashKey(fourTupleHash(client,
        listener.localAddress().getPort())).build();
  }

  /**
   * Opens the flow of {@code client}: selects a backend and connects a socket to it; null when none can be
   * used (the datagram's drop is counted here).
   */
  static UdpFlow open(UdpListenerLoop home, InetSocketAddress client, long now) {
    UdpFlow flow = new UdpFlow(home, client, now);
    UdpMetrics.DropCause failure = flow.connect(now);
    if (failure != null) {
      home.listener.counters.dropped(failure);
      if (failure == UdpMetrics.DropCause.NO_BACKEND) {
        home.listener.warnEvery10s(failure, "no backend for new UDP flows (" + flow.noBackendReason + ")");
      }
      return null;
    }
    // Counted as a connection, but no admission slot is taken: flows have their own cap (maxFlows), and the
    // listener's connection cap and the process's connection budget bound TCP connections only.
    flow.ctx.metrics.connectionOpened();
    flow.armTimer();
    return flow;
  }

  /** The client's address and port and the listener's port, hashed: consistent hash keeps a flow's backend. */
  static long fourTupleHash(InetSocketAddress client, int listenerPort) {
    byte[] ip = client.getAddress().getAddress();
    byte[] key = new byte[ip.length + 4];
    System.arraycopy(ip, 0, key, 0, ip.length);
    int port = client.getPort();
    key[ip.length] = (byte) (port >>> 8);
    key[ip.length + 1] = (byte) port;
    key[ip.length + 2] = (byte) (listenerPort >>> 8);
    key[ip.length + 3] = (byte) listenerPort;
    return RequestContext.hash(key);
  }

  /**
   * Selects a backend this flow has not tried and connects a new socket to it; null on success, else why the
   * flow has no backend. A backend whose address cannot be used is reported as a connect failure and the next
   * is tried, up to the listener's connect attempts.
   */
  private UdpMetrics.DropCause connect(long now) {
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = ctx.pool.select(request, tried == null ? Collections.emptyList() : tried);
      if (!s.hasBackend()) {
        noBackendReason = s.reason().description();
        return tried == null ? UdpMetrics.DropCause.NO_BACKEND : UdpMetrics.DropCause.BACKEND_UNREACHABLE;
      }
      InetSocketAddress address = s.address();
      DatagramChannel ch;
      try {
        ch = DatagramChannel.open(address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET);
      } catch (IOException | RuntimeException e) {
        // Out of descriptors (or an address without a family): not the backend's fault, nothing reported.
        s.release();
        listener.warnEvery10s(UdpMetrics.DropCause.SOCKET_FAILED, "cannot open a UDP socket for a new flow: " + e);
        return UdpMetrics.DropCause.SOCKET_FAILED;
      }
      try {
        if (address.isUnresolved()) {
          throw new IOException(s.backend().host() + " is not resolved (yet)");
        }
        ch.configureBlocking(false);
        ch.connect(address);
        key = ch.register(home.loop.selector(), SelectionKey.OP_READ, this);
        localPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
      } catch (IOException | RuntimeException e) {
        log.debug("{}: UDP flow from {} cannot use {}: {}", ctx.listener.name(), client, s.backend().authority(), e);
        closeQuietly(ch);
        ctx.pool.report(s, Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ZERO));
        s.release();
        tried(s);
        continue;
      }
      if (attempts > 1) {
        ctx.metrics.retry();
      }
      channel = ch;
      selection = s;
      heard = false;
      firstSent = 0;
      listener.ports.add(localPort);
      return null;
    }
    return UdpMetrics.DropCause.BACKEND_UNREACHABLE;
  }

  private void tried(Selection s) {
    if (tried == null) {
      tried = new ArrayList<>(2);
    }
    tried.add(s.backend().id());
  }

  /** A client's datagram (the buffer's remaining bytes): forwarded to the backend, or dropped and counted. */
  void fromClient(ByteBuffer datagram, long now) {
    lastActivity = now;
    int n = datagram.remaining();
    BandwidthLimiter.Direction up = ctx.bandwidth.upstream;
    if (!up.unlimited() && !up.acquireExactly(n, up.now())) {
      up.dropped(n);
      listener.counters.dropped(UdpMetrics.DropCause.OVER_BANDWIDTH_UPSTREAM);
      return;
    }
    while (!closed) {
      try {
        if (channel.write(datagram) == 0) {
          up.refund(n);
          listener.counters.dropped(UdpMetrics.DropCause.TO_BACKEND_FAILED);
          return;
        }
        listener.counters.datagramsIn.increment();
        ctx.metrics.bytesIn(n);
        if (firstSent == 0) {
          firstSent = now;
        }
        return;
      } catch (PortUnreachableException e) {
        // The error of an earlier datagram: this one was not sent. Send it to the next backend, if any.
        if (!moveAfterUnreachable(now)) {
          up.refund(n);
          listener.counters.dropped(UdpMetrics.DropCause.BACKEND_UNREACHABLE);
          close();
          return;
        }
      } catch (IOException e) {
        up.refund(n);
        listener.counters.dropped(UdpMetrics.DropCause.TO_BACKEND_FAILED);
        log.debug("{}: UDP write to {} failed: {}", ctx.listener.name(), selection.backend().authority(), e.toString());
        return;
      }
    }
  }

  /** The backend's socket is readable: its datagrams go to the client, or an ICMP error moves the flow. */
  @Override
  void ready(SelectionKey k) {
    if (closed || k != key) {
      return;
    }
    long now = System.nanoTime();
    ByteBuffer buf = home.buffer;
    int max = listener.settings.maxDatagramSize();
    try {
      for (int i = 0; i < UdpListenerLoop.MAX_DATAGRAMS_PER_EVENT && !closed; i++) {
        buf.clear();
        SocketAddress from;
        try {
          from = channel.receive(buf);
        } catch (PortUnreachableException e) {
          if (!moveAfterUnreachable(now)) {
            close();
          }
          return;
        } catch (IOException e) {
          log.debug("{}: UDP flow from {} failed: {}", ctx.listener.name(), client, e.toString());
          close();
          return;
        }
        if (from == null) {
          break;
        }
        lastActivity = now;
        buf.flip();
        int n = buf.remaining();
        heardFromBackend(now);
        if (n > max) {
          listener.counters.dropped(UdpMetrics.DropCause.BACKEND_TOO_LARGE);
          continue;
        }
        if (n == 0) {
          listener.counters.dropped(UdpMetrics.DropCause.EMPTY);
          listener.counters.emptyFromBackends.increment();
          continue;
        }
        BandwidthLimiter.Direction down = ctx.bandwidth.downstream;
        if (!down.unlimited() && !down.acquireExactly(n, down.now())) {
          down.dropped(n);
          listener.counters.dropped(UdpMetrics.DropCause.OVER_BANDWIDTH_DOWNSTREAM);
          continue;
        }
        if (home.sendToClient(buf, client)) {
          listener.counters.datagramsOut.increment();
          ctx.metrics.bytesOut(n);
        } else {
          down.refund(n);
          listener.counters.dropped(UdpMetrics.DropCause.TO_CLIENT_FAILED);
        }
      }
    } catch (RuntimeException e) {
      log.error("{}: UDP flow from {} failed unexpectedly", ctx.listener.name(), client, e);
      close();
      return;
    }
    armTimer();
  }

  /** The current backend answered: its success is reported once, and the flow may move again later. */
  private void heardFromBackend(long now) {
    if (!heard) {
      heard = true;
      attempts = 0;
      tried = null;
      ctx.pool.report(selection, Outcome.success(Duration.ofNanos(firstSent == 0 ? 0 : now - firstSent)));
    }
  }

  /**
   * The backend's port is closed: counted, reported to the pool, and the flow moves to another backend; false
   * when none is left (the caller closes the flow).
   */
  private boolean moveAfterUnreachable(long now) {
    listener.counters.portUnreachable.increment();
    log.debug("{}: UDP backend {} answered port unreachable for {}", ctx.listener.name(),
        selection.backend().authority(), client);
    ctx.pool.report(selection, Outcome.failure(Outcome.Kind.CONNECT_FAILURE,
        Duration.ofNanos(firstSent == 0 ? 0 : now - firstSent)));
    tried(selection);
    releaseBackend();
    UdpMetrics.DropCause failure = connect(now);
    if (failure != null) {
      listener.counters.flowsFailed.increment();
      listener.warnEvery10s(UdpMetrics.DropCause.BACKEND_UNREACHABLE,
          "a UDP flow found no backend that answers (every one tried answered port unreachable)");
      return false;
    }
    listener.counters.flowsMoved.increment();
    return true;
  }

  private void armTimer() {
    if (!closed) {
      home.loop.armBy(this, lastActivity + listener.idleTimeoutNanos);
    }
  }

  /** The idle deadline: the flow expires, or re-arms for the rest of its timeout. */
  @Override
  void checkTimeouts(long nowNanos) {
    if (closed) {
      return;
    }
    if (nowNanos - lastActivity >= listener.idleTimeoutNanos) {
      listener.counters.flowsExpired.increment();
      close();
    } else {
      home.loop.schedule(this, lastActivity + listener.idleTimeoutNanos);
    }
  }

  @Override
  void closeNow() {
    close();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    home.loop.cancel(this);
    releaseBackend();
    home.flows.remove(this);
    ctx.metrics.connectionClosed();
  }

  /** Closes the backend socket and ends the selection. */
  private void releaseBackend() {
    if (key != null) {
      key.cancel();
      key = null;
    }
    if (channel != null) {
      closeQuietly(channel);
      channel = null;
    }
    if (localPort >= 0) {
      listener.ports.remove(localPort);
      localPort = -1;
    }
    if (selection != null) {
      selection.release();
      selection = null;
    }
  }

  private static void closeQuietly(DatagramChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }
}
