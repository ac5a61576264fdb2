package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket of a UDP listener on one event loop: it reads the clients' datagrams, finds or opens each one's
 * {@link UdpFlow}, hands the datagram to it, and sends the flows' replies back to the clients from the
 * listener's address.
 *
 * <p>Memory: one direct buffer of {@code maxDatagramSize + 1} bytes per socket, shared by its flows (a
 * datagram is read and written on at once, never queued); one more byte than the largest datagram allowed,
 * so that a datagram filling it is known to be too large (the JDK silently cuts what does not fit). Per flow,
 * one socket and a few objects; no buffer.
 *
 * <p>At most {@link #MAX_DATAGRAMS_PER_EVENT} datagrams are read per readiness event, so one busy socket does
 * not starve the loop's other work. Confined to its loop's thread.
 */
final class UdpListenerLoop extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(UdpListenerLoop.class);
  /** Datagrams read per readiness event at most (Netty's {@code maxMessagesPerRead} for datagram channels is 16). */
  static final int MAX_DATAGRAMS_PER_EVENT = 64;

  final UdpListener listener;
  final EventLoop loop;
  final UdpFlowTable flows;
  /** The loop's datagram buffer, shared by this socket and its flows (one datagram at a time). */
  final ByteBuffer buffer;
  private final DatagramChannel socket;
  private final int maxDatagramSize;
  private SelectionKey key;
  private boolean closed;

  UdpListenerLoop(UdpListener listener, EventLoop loop, DatagramChannel socket, UdpFlowTable flows) {
    this.listener = listener;
    this.loop = loop;
    this.socket = socket;
    this.flows = flows;
    this.maxDatagramSize = listener.settings.maxDatagramSize();
    this.buffer = ByteBuffer.allocateDirect(maxDatagramSize + 1);
  }

  /** Starts reading; on the loop's thread. */
  void register() throws IOException {
    key = socket.register(loop.selector(), SelectionKey.OP_READ, this);
  }

  @Override
  void ready(SelectionKey k) {
    long now = System.nanoTime();
    for (int i = 0; i < MAX_DATAGRAMS_PER_EVENT && !closed; i++) {
      buffer.clear();
      SocketAddress from;
      try {
        from = socket.receive(buffer);
      } catch (IOException e) {
        log.debug("{}: receive failed: {}", listener.ctx.listener.name(), e.toString());
        return;
      }
      if (from == null) {
        return;
      }
      buffer.flip();
      int n = buffer.remaining();
      if (n > maxDatagramSize) {
        listener.counters.dropped(UdpMetrics.DropCause.CLIENT_TOO_LARGE);
        continue;
      }
      if (n == 0) {
        listener.counters.dropped(UdpMetrics.DropCause.EMPTY);
        continue;
      }
      try {
        InetSocketAddress client = (InetSocketAddress) from;
        UdpFlow flow = flows.get(client);
        if (flow == null) {
          flow = openFlow(client, now);
        }
        if (flow != null) {
          flow.fromClient(buffer, now);
        }
      } catch (RuntimeException e) {
        // A bug, not the peer: one datagram is lost (counted nowhere else), the socket keeps serving.
        log.error("{}: datagram from {} failed unexpectedly", listener.ctx.listener.name(), from, e);
      }
    }
  }

  /** A new client: a flow under the cap, or null (the datagram is dropped and counted). */
  private UdpFlow openFlow(InetSocketAddress client, long now) {
    if (listener.stopping) {
      listener.counters.dropped(UdpMetrics.DropCause.STOPPING);
      return null;
    }
    if (!flows.reserve()) {
      listener.counters.dropped(UdpMetrics.DropCause.FLOW_LIMIT);
      listener.warnEvery10s(UdpMetrics.DropCause.FLOW_LIMIT, "the listener holds its maximum of "
          + listener.settings.maxFlows() + " flows (udp.maxFlows): new clients' datagrams are dropped");
      return null;
    }
    UdpFlow flow = UdpFlow.open(this, client, now);
    if (flow == null) {
      flows.release();
      return null;
    }
    flows.put(flow);
    return flow;
  }

  /**
   * Sends a backend's datagram (the buffer's remaining bytes) to {@code client} from the listener's socket;
   * false when the OS did not take it (its send buffer was full), which the caller counts.
   */
  boolean sendToClient(ByteBuffer datagram, InetSocketAddress client) {
    try {
      return socket.send(datagram, client) > 0;
    } catch (IOException e) {
      log.debug("{}: send to {} failed: {}", listener.ctx.listener.name(), client, e.toString());
      return false;
    }
  }

  /** The listener socket has no deadline; flows have their own. */
  @Override
  void checkTimeouts(long nowNanos) {
    // nothing to time
  }

  /** The loop is stopping: every flow and the socket close. */
  @Override
  void closeNow() {
    if (closed) {
      return;
    }
    closed = true;
    for (UdpFlow f : flows.all()) {
      f.closeNow();
    }
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing a UDP listener socket failed", e);
    }
  }
}
