package io.lb4j.impl.listener;

import java.util.Objects;

/**
 * A snapshot of a UDP listener's counters since it started, read with {@link ListenerServer#udpMetrics()}.
 * Flows also count as the listener's connections in {@link ListenerMetrics} (active and total), and the
 * datagrams' payload bytes as its bytes in and out.
 *
 * <p>Every datagram the listener received and did not forward is counted under a {@link DropCause}. Datagrams
 * the operating system dropped before the listener could read them (its receive buffers were full: the loops
 * could not keep up) are {@link #kernelReceiveDrops()}, read from Linux's {@code /proc/net/udp} and
 * {@code /proc/net/udp6} for the listener's sockets and its flows' sockets. Together they make every loss
 * visible: a client's datagram is forwarded, dropped by the listener with a cause, or dropped by the kernel
 * on the listener's sockets (or lost beyond them, in the backend's own buffers).
 *
 * <p>Immutable and thread-safe. Counters are read one after the other while traffic flows.
 *
 * @since 0.1.0
 */
public final class UdpMetrics {

  /** Why a datagram was not forwarded. */
  public enum DropCause {
    /** A client's datagram was larger than {@link UdpSettings#maxDatagramSize()}. */
    CLIENT_TOO_LARGE,
    /** A backend's datagram was larger than {@link UdpSettings#maxDatagramSize()}. */
    BACKEND_TOO_LARGE,
    /** A new flow's first datagram, while the listener held {@link UdpSettings#maxFlows()} flows. */
    FLOW_LIMIT,
    /** A new flow's first datagram, when the pool had no eligible backend. */
    NO_BACKEND,
    /** A new flow's first datagram, when no socket could be opened towards its backend (out of descriptors). */
    SOCKET_FAILED,
    /** A client's datagram, when every backend the flow tried answered ICMP port unreachable. */
    BACKEND_UNREACHABLE,
    /** A client's datagram the operating system would not take towards the backend (send buffer full). */
    TO_BACKEND_FAILED,
    /** A backend's datagram the operating system would not take towards the client (send buffer full). */
    TO_CLIENT_FAILED,
    /** A client's datagram over the listener's upstream peak bandwidth. */
    OVER_BANDWIDTH_UPSTREAM,
    /** A backend's datagram over the listener's downstream peak bandwidth. */
    OVER_BANDWIDTH_DOWNSTREAM,
    /** A new flow's first datagram while the listener stops (existing flows still forward). */
    STOPPING,
    /**
     * A datagram with no payload, either way: the JDK's datagram channels cannot send one (they send nothing
     * for an empty buffer), so it is counted rather than silently lost.
     */
    EMPTY
  }

  private final long datagramsIn;
  private final long datagramsOut;
  private final long[] drops;
  private final long flowsActive;
  private final long flowsTotal;
  private final long flowsExpired;
  private final long flowsMoved;
  private final long flowsFailed;
  private final long portUnreachable;
  private final long kernelReceiveDrops;
  private final long emptyFromBackends;

  UdpMetrics(long datagramsIn, long datagramsOut, long[] drops, long flowsActive, long flowsTotal, long flowsExpired,
      long flowsMoved, long flowsFailed, long portUnreachable, long kernelReceiveDrops, long emptyFromBackends) {
    this.datagramsIn = datagramsIn;
    this.datagramsOut = datagramsOut;
    this.drops = drops;
    this.flowsActive = flowsActive;
    this.flowsTotal = flowsTotal;
    this.flowsExpired = flowsExpired;
    this.flowsMoved = flowsMoved;
    this.flowsFailed = flowsFailed;
    this.portUnreachable = portUnreachable;
    this.kernelReceiveDrops = kernelReceiveDrops;
    this.emptyFromBackends = emptyFromBackends;
  }

  /** Client datagrams forwarded to backends. */
  public long datagramsIn() {
    return datagramsIn;
  }

  /** Backend datagrams forwarded to clients. */
  public long datagramsOut() {
    return datagramsOut;
  }

  /** Datagrams dropped for {@code cause}. */
  public long dropped(DropCause cause) {
    return drops[Objects.requireNonNull(cause, "cause").ordinal()];
  }

  /** Datagrams dropped by the listener, every cause together. */
  public long droppedTotal() {
    long sum = 0;
    for (long d : drops) {
      sum += d;
    }
    return sum;
  }

  /** Client-to-backend datagrams dropped by the listener (every cause but those of backend datagrams). */
  public long droppedUpstream() {
    return droppedTotal() - droppedDownstream();
  }

  /**
   * Backend-to-client datagrams dropped by the listener: too large, not taken by the OS, over the downstream
   * bandwidth, or empty from a backend.
   */
  public long droppedDownstream() {
    return dropped(DropCause.BACKEND_TOO_LARGE) + dropped(DropCause.TO_CLIENT_FAILED)
        + dropped(DropCause.OVER_BANDWIDTH_DOWNSTREAM) + emptyFromBackends;
  }

  /** Flows open now. */
  public long flowsActive() {
    return flowsActive;
  }

  /** Flows opened since start. */
  public long flowsTotal() {
    return flowsTotal;
  }

  /** Flows that ended after their idle timeout. */
  public long flowsExpired() {
    return flowsExpired;
  }

  /** Times a flow moved to another backend after an ICMP port unreachable. */
  public long flowsMoved() {
    return flowsMoved;
  }

  /**
   * Flows that ended because no backend was left to move to: every one the flow tried answered port
   * unreachable (the client's next datagram opens a new flow).
   */
  public long flowsFailed() {
    return flowsFailed;
  }

  /** ICMP port unreachable errors seen on flows' sockets (each reported to the pool as a connect failure). */
  public long portUnreachable() {
    return portUnreachable;
  }

  /**
   * Datagrams the operating system dropped on the listener's sockets and its open flows' sockets because their
   * receive buffers were full (the {@code drops} column of Linux's {@code /proc/net/udp} and {@code udp6}), or
   * -1 where that file cannot be read (another OS). Counts of flows already closed are gone with their sockets.
   */
  public long kernelReceiveDrops() {
    return kernelReceiveDrops;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("UdpMetrics{in=").append(datagramsIn).append(" out=").append(datagramsOut)
        .append(" flows=").append(flowsActive).append('/').append(flowsTotal).append(" expired=").append(flowsExpired)
        .append(" moved=").append(flowsMoved).append(" failed=").append(flowsFailed).append(" unreachable=").append(portUnreachable)
        .append(" kernelDrops=").append(kernelReceiveDrops);
    for (DropCause c : DropCause.values()) {
      if (drops[c.ordinal()] > 0) {
        s.append(' ').append(c).append('=').append(drops[c.ordinal()]);
      }
    }
    return s.append('}').toString();
  }
}
