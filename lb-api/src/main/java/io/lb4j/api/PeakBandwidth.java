package io.lb4j.api;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;

import java.util.Objects;

/**
 * A listener's peak bandwidth, the reference balancer's "Peak Bandwidth" column: caps on the bytes per second
 * a listener forwards, in megabits per second as operators write them ({@code 50} is "50 Mbps", 10^6 bits per
 * second, so 6,250,000 bytes per second). Each cap is 0 (none) or 1-{@value #MAX_MBPS} Mbit/s:
 *
 * <ul>
 *   <li>{@link #upstreamMbps()}: client to backend (what clients upload);
 *   <li>{@link #downstreamMbps()}: backend to client (what clients download, the direction cloud balancers
 *       bill);
 *   <li>{@link #totalMbps()}: both directions together, one budget.
 * </ul>
 *
 * <p>The caps hold across every connection of the listener and every event loop. TCP and HTTP(S) listeners
 * enforce them by back-pressure: a connection stops reading from its sender while the budget is spent, so
 * buffers never grow and TCP flow control slows the sender down. A UDP listener has no way to slow a sender:
 * a datagram over the budget is dropped and counted. Bytes are counted as forwarded: payload bytes of TCP
 * streams, HTTP messages (heads included, after TLS is removed) and datagrams, without TCP, IP or TLS overhead.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class PeakBandwidth {

  /** The largest cap, in Mbit/s (10 Gbit/s). */
  public static final int MAX_MBPS = 10_000;

  private static final PeakBandwidth UNLIMITED = new PeakBandwidth(0, 0, 0);

  private final int upstreamMbps;
  private final int downstreamMbps;
  private final int totalMbps;

  private PeakBandwidth(int upstreamMbps, int downstreamMbps, int totalMbps) {
    this.upstreamMbps = upstreamMbps;
    this.downstreamMbps = downstreamMbps;
    this.totalMbps = totalMbps;
  }

  /** No cap (the default). */
  public static PeakBandwidth unlimited() {
    return UNLIMITED;
  }

  /**
   * The same cap on each direction on its own: {@code mbps} up and {@code mbps} down.
   *
   * @throws IllegalArgumentException when {@code mbps} is not 1-{@value #MAX_MBPS}
   */
  public static PeakBandwidth eachDirection(int mbps) {
    checkRange("listener.peakBandwidth.mbps", mbps, 1, MAX_MBPS);
    return new PeakBandwidth(mbps, mbps, 0);
  }

  /**
   * One cap on both directions together.
   *
   * @throws IllegalArgumentException when {@code mbps} is not 1-{@value #MAX_MBPS}
   */
  public static PeakBandwidth total(int mbps) {
    return new PeakBandwidth(0, 0, checkRange("listener.peakBandwidth.totalMbps", mbps, 1, MAX_MBPS));
  }

  /** A builder for caps set one by one. */
  public static Builder builder() {
    return new Builder();
  }

  /** The client-to-backend cap in Mbit/s, or 0 for none. */
  public int upstreamMbps() {
    return upstreamMbps;
  }

  /** The backend-to-client cap in Mbit/s, or 0 for none. */
  public int downstreamMbps() {
    return downstreamMbps;
  }

  /** The cap on both directions together in Mbit/s, or 0 for none. */
  public int totalMbps() {
    return totalMbps;
  }

  /** True when nothing is capped. */
  public boolean isUnlimited() {
    return upstreamMbps == 0 && downstreamMbps == 0 && totalMbps == 0;
  }

  /** The bytes per second of {@code mbps} megabits per second (10^6 bits): {@code mbps x 125,000}. */
  public static long bytesPerSecond(int mbps) {
    return mbps * 125_000L;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PeakBandwidth)) {
      return false;
    }
    PeakBandwidth p = (PeakBandwidth) o;
    return upstreamMbps == p.upstreamMbps && downstreamMbps == p.downstreamMbps && totalMbps == p.totalMbps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(upstreamMbps, downstreamMbps, totalMbps);
  }

  /** For example {@code up=50Mbit/s down=100Mbit/s} or {@code unlimited}. */
  @Override
  public String toString() {
    if (isUnlimited()) {
      return "unlimited";
    }
    StringBuilder s = new StringBuilder();
    if (upstreamMbps > 0) {
      s.append("up=").append(upstreamMbps).append("Mbit/s");
    }
    if (downstreamMbps > 0) {
      s.append(s.length() > 0 ? " " : "").append("down=").append(downstreamMbps).append("Mbit/s");
    }
    if (totalMbps > 0) {
      s.append(s.length() > 0 ? " " : "").append("total=").append(totalMbps).append("Mbit/s");
    }
    return s.toString();
  }

  /**
   * Builds a {@link PeakBandwidth}; every cap defaults to 0 (none). Each setter validates its value
   * ({@link IllegalArgumentException}); {@link #build()} refuses a direction's cap above the total cap, which
   * could never be reached ({@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private int upstreamMbps;
    private int downstreamMbps;
    private int totalMbps;

    private Builder() {}

    /** The client-to-backend cap, 0 (none) or 1-{@value PeakBandwidth#MAX_MBPS} Mbit/s. */
    public Builder upstreamMbps(int mbps) {
      this.upstreamMbps = checkRange("listener.peakBandwidth.upstreamMbps", mbps, 0, MAX_MBPS);
      return this;
    }

    /** The backend-to-client cap, 0 (none) or 1-{@value PeakBandwidth#MAX_MBPS} Mbit/s. */
    public Builder downstreamMbps(int mbps) {
      this.downstreamMbps = checkRange("listener.peakBandwidth.downstreamMbps", mbps, 0, MAX_MBPS);
      return this;
    }

    /** The cap on both directions together, 0 (none) or 1-{@value PeakBandwidth#MAX_MBPS} Mbit/s. */
    public Builder totalMbps(int mbps) {
      this.totalMbps = checkRange("listener.peakBandwidth.totalMbps", mbps, 0, MAX_MBPS);
      return this;
    }

    /**
     * Builds the value.
     *
     * @throws IllegalStateException when a direction's cap exceeds the total cap
     */
    public PeakBandwidth build() {
      checkState(totalMbps == 0 || upstreamMbps <= totalMbps, "listener.peakBandwidth.upstreamMbps (" + upstreamMbps
          + ") must not exceed listener.peakBandwidth.totalMbps (" + totalMbps + "): it could never be reached");
      checkState(totalMbps == 0 || downstreamMbps <= totalMbps, "listener.peakBandwidth.downstreamMbps ("
          + downstreamMbps + ") must not exceed listener.peakBandwidth.totalMbps (" + totalMbps
          + "): it could never be reached");
      return upstreamMbps == 0 && downstreamMbps == 0 && totalMbps == 0 ? UNLIMITED
          : new PeakBandwidth(upstreamMbps, downstreamMbps, totalMbps);
    }
  }
}
