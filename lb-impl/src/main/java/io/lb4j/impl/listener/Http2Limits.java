package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkZeroOrRange;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits of an HTTP/2 connection: what it advertises in its SETTINGS, how much it buffers, and the
 * rates past which a peer is treated as an attacker. Every value has a default, a range checked when
 * set, and a test at its edge (a value exactly at a limit is accepted, one more is refused).
 *
 * <table>
 *   <caption>Sizes (advertised ones are sent in the connection's first SETTINGS frame)</caption>
 *   <tr><th>limit</th><th>default</th><th>range</th><th>over it</th></tr>
 *   <tr><td>{@code headerTableSize}: the HPACK dynamic table the peer's encoder may use
 *       (SETTINGS_HEADER_TABLE_SIZE)</td><td>4096</td><td>0-65536</td><td>COMPRESSION_ERROR (a size
 *       update above it)</td></tr>
 *   <tr><td>{@code encoderTableSize}: the most this side's encoder uses, whatever the peer allows</td>
 *       <td>4096</td><td>0-65536</td><td>-</td></tr>
 *   <tr><td>{@code maxHeaderListSize}: a decoded header list, each field counted as name + value + 32
 *       (SETTINGS_MAX_HEADER_LIST_SIZE)</td><td>32768</td><td>1024-1048576</td><td>431 to a request,
 *       PROTOCOL_ERROR reset of a response</td></tr>
 *   <tr><td>{@code maxHeaderBlockBytes}: an encoded header block, HEADERS and CONTINUATION payloads
 *       together</td><td>65536</td><td>1024-4194304</td><td>GOAWAY ENHANCE_YOUR_CALM</td></tr>
 *   <tr><td>{@code maxContinuationFrames}: CONTINUATION frames after one HEADERS</td><td>8</td>
 *       <td>1-1024</td><td>GOAWAY ENHANCE_YOUR_CALM</td></tr>
 *   <tr><td>{@code maxFrameSize}: a frame payload received (SETTINGS_MAX_FRAME_SIZE)</td><td>16384</td>
 *       <td>16384-16777215</td><td>GOAWAY FRAME_SIZE_ERROR</td></tr>
 *   <tr><td>{@code maxConcurrentStreams}: streams the peer may have open, counting reset streams whose
 *       work has not yet stopped (SETTINGS_MAX_CONCURRENT_STREAMS)</td><td>100</td><td>1-10000</td>
 *       <td>RST_STREAM REFUSED_STREAM</td></tr>
 *   <tr><td>{@code initialWindowSize}: each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE)</td>
 *       <td>65535</td><td>1024-16777216</td><td>RST_STREAM FLOW_CONTROL_ERROR</td></tr>
 *   <tr><td>{@code connectionWindowSize}: the connection's receive window</td><td>1048576</td>
 *       <td>65535-2147483647</td><td>GOAWAY FLOW_CONTROL_ERROR</td></tr>
 *   <tr><td>{@code maxBufferedOutputBytes}: output queued for the socket before streams must wait for
 *       {@code onWritable}</td><td>65536</td><td>16384-16777216</td><td>streams wait</td></tr>
 *   <tr><td>{@code maxQueuedControlFrames}: SETTINGS ACKs, PING ACKs and resets queued in answer to the
 *       peer while it does not read them</td><td>1000</td><td>16-100000</td><td>GOAWAY
 *       ENHANCE_YOUR_CALM</td></tr>
 *   <tr><td>{@code streamIdleTimeout}: a stream with no frame either way (0 = off)</td><td>120s</td>
 *       <td>0 or 1s-1h</td><td>RST_STREAM CANCEL</td></tr>
 *   <tr><td>{@code settingsAckTimeout}: the peer's acknowledgement of this side's SETTINGS</td>
 *       <td>10s</td><td>1s-5min</td><td>GOAWAY SETTINGS_TIMEOUT</td></tr>
 * </table>
 *
 * <p>Floods: each kind of frame that costs this side work without carrying a request is metered by a
 * token bucket of {@code burst} tokens refilled at {@code perSecond}; a frame with no token left gets
 * GOAWAY ENHANCE_YOUR_CALM. Bursts and rates are 1-1000000.
 *
 * <table>
 *   <caption>Rate limits</caption>
 *   <tr><th>limit</th><th>burst</th><th>per second</th><th>counts</th></tr>
 *   <tr><td>{@code settingsRate}</td><td>20</td><td>10</td><td>SETTINGS frames (not ACKs)</td></tr>
 *   <tr><td>{@code pingRate}</td><td>50</td><td>10</td><td>PING frames (not ACKs); every HEADERS or DATA
 *       frame this side sends earns one back, so a client measuring bandwidth with pings (gRPC's BDP
 *       probe) is never cut</td></tr>
 *   <tr><td>{@code priorityRate}</td><td>200</td><td>100</td><td>PRIORITY frames</td></tr>
 *   <tr><td>{@code windowUpdateRate}</td><td>200</td><td>100</td><td>WINDOW_UPDATE frames; every DATA
 *       frame this side sends earns two back (one for the stream, one for the connection)</td></tr>
 *   <tr><td>{@code emptyDataRate}</td><td>20</td><td>10</td><td>DATA frames without data and without
 *       END_STREAM</td></tr>
 *   <tr><td>{@code resetRate}</td><td>1000</td><td>33</td><td>streams reset by the peer before they
 *       ended, and streams this side reset or refused because of the peer (CVE-2023-44487 and its
 *       variants); the values are nghttp2's</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}, start from {@link #defaults()}.
 *
 * @since 0.1.0
 */
public final class Http2Limits {

  /** Default {@link #headerTableSize()}. */
  public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;
  /** Default {@link #encoderTableSize()}. */
  public static final int DEFAULT_ENCODER_TABLE_SIZE = 4096;
  /** Default {@link #maxHeaderListSize()}. */
  public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 32 * 1024;
  /** Default {@link #maxHeaderBlockBytes()}. */
  public static final int DEFAULT_MAX_HEADER_BLOCK_BYTES = 64 * 1024;
  /** Default {@link #maxContinuationFrames()}. */
  public static final int DEFAULT_MAX_CONTINUATION_FRAMES = 8;
  /** Default {@link #maxFrameSize()}: the protocol's initial value. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 16384;
  /** Default {@link #maxConcurrentStreams()}. */
  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
  /** Default {@link #initialWindowSize()}: the protocol's initial value. */
  public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65535;
  /** Default {@link #connectionWindowSize()}. */
  public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 1024 * 1024;
  /** Default {@link #maxBufferedOutputBytes()}. */
  public static final int DEFAULT_MAX_BUFFERED_OUTPUT_BYTES = 64 * 1024;
  /** Default {@link #maxQueuedControlFrames()}. */
  public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 1000;
  /** Default {@link #streamIdleTimeout()}. */
  public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(120);
  /** Default {@link #settingsAckTimeout()}. */
  public static final Duration DEFAULT_SETTINGS_ACK_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link #settingsRate()}. */
  public static final Rate DEFAULT_SETTINGS_RATE = new Rate(20, 10);
  /** Default {@link #pingRate()}. */
  public static final Rate DEFAULT_PING_RATE = new Rate(50, 10);
  /** Default {@link #priorityRate()}. */
  public static final Rate DEFAULT_PRIORITY_RATE = new Rate(200, 100);
  /** Default {@link #windowUpdateRate()}. */
  public static final Rate DEFAULT_WINDOW_UPDATE_RATE = new Rate(200, 100);
  /** Default {@link #emptyDataRate()}. */
  public static final Rate DEFAULT_EMPTY_DATA_RATE = new Rate(20, 10);
  /** Default {@link #resetRate()}: nghttp2's burst and rate. */
  public static final Rate DEFAULT_RESET_RATE = new Rate(1000, 33);

  private static final int MAX_RATE = 1_000_000;
  private static final Http2Limits DEFAULTS = new Builder().build();

  private final int headerTableSize;
  private final int encoderTableSize;
  private final int maxHeaderListSize;
  private final int maxHeaderBlockBytes;
  private final int maxContinuationFrames;
  private final int maxFrameSize;
  private final int maxConcurrentStreams;
  private final int initialWindowSize;
  private final int connectionWindowSize;
  private final int maxBufferedOutputBytes;
  private final int maxQueuedControlFrames;
  private final Duration streamIdleTimeout;
  private final Duration settingsAckTimeout;
  private final Rate settingsRate;
  private final Rate pingRate;
  private final Rate priorityRate;
  private final Rate windowUpdateRate;
  private final Rate emptyDataRate;
  private final Rate resetRate;

  private Http2Limits(Builder b) {
    headerTableSize = b.headerTableSize;
    encoderTableSize = b.encoderTableSize;
    maxHeaderListSize = b.maxHeaderListSize;
    maxHeaderBlockBytes = b.maxHeaderBlockBytes;
    maxContinuationFrames = b.maxContinuationFrames;
    maxFrameSize = b.maxFrameSize;
    maxConcurrentStreams = b.maxConcurrentStreams;
    initialWindowSize = b.initialWindowSize;
    connectionWindowSize = b.connectionWindowSize;
    maxBufferedOutputBytes = b.maxBufferedOutputBytes;
    maxQueuedControlFrames = b.maxQueuedControlFrames;
    streamIdleTimeout = b.streamIdleTimeout;
    settingsAckTimeout = b.settingsAckTimeout;
    settingsRate = b.settingsRate;
    pingRate = b.pingRate;
    priorityRate = b.priorityRate;
    windowUpdateRate = b.windowUpdateRate;
    emptyDataRate = b.emptyDataRate;
    resetRate = b.resetRate;
  }

  /** The default limits (see the class tables). */
  public static Http2Limits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.headerTableSize = headerTableSize;
    b.encoderTableSize = encoderTableSize;
    b.maxHeaderListSize = maxHeaderListSize;
    b.maxHeaderBlockBytes = maxHeaderBlockBytes;
    b.maxContinuationFrames = maxContinuationFrames;
    b.maxFrameSize = maxFrameSize;
    b.maxConcurrentStreams = maxConcurrentStreams;
    b.initialWindowSize = initialWindowSize;
    b.connectionWindowSize = connectionWindowSize;
    b.maxBufferedOutputBytes = maxBufferedOutputBytes;
    b.maxQueuedControlFrames = maxQueuedControlFrames;
    b.streamIdleTimeout = streamIdleTimeout;
    b.settingsAckTimeout = settingsAckTimeout;
    b.settingsRate = settingsRate;
    b.pingRate = pingRate;
    b.priorityRate = priorityRate;
    b.windowUpdateRate = windowUpdateRate;
    b.emptyDataRate = emptyDataRate;
    b.resetRate = resetRate;
    return b;
  }

  /** The HPACK dynamic table size the peer's encoder may use (SETTINGS_HEADER_TABLE_SIZE). */
  public int headerTableSize() {
    return headerTableSize;
  }

  /** The most this side's HPACK encoder uses, even if the peer allows more. */
  public int encoderTableSize() {
    return encoderTableSize;
  }

  /** The largest decoded header list, fields counted as name + value + 32 (SETTINGS_MAX_HEADER_LIST_SIZE). */
  public int maxHeaderListSize() {
    return maxHeaderListSize;
  }

  /** The largest encoded header block (HEADERS and CONTINUATION payloads together). */
  public int maxHeaderBlockBytes() {
    return maxHeaderBlockBytes;
  }

  /** The most CONTINUATION frames after one HEADERS frame. */
  public int maxContinuationFrames() {
    return maxContinuationFrames;
  }

  /** The largest frame payload accepted (SETTINGS_MAX_FRAME_SIZE). */
  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** The most streams the peer may have open (SETTINGS_MAX_CONCURRENT_STREAMS). */
  public int maxConcurrentStreams() {
    return maxConcurrentStreams;
  }

  /** Each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE). */
  public int initialWindowSize() {
    return initialWindowSize;
  }

  /** The connection's receive window. */
  public int connectionWindowSize() {
    return connectionWindowSize;
  }

  /** The output queued for the socket past which streams wait for {@code onWritable}. */
  public int maxBufferedOutputBytes() {
    return maxBufferedOutputBytes;
  }

  /** The most control frames queued in answer to the peer while it does not read them. */
  public int maxQueuedControlFrames() {
    return maxQueuedControlFrames;
  }

  /** How long a stream may see no frame either way before it is reset; zero means never. */
  public Duration streamIdleTimeout() {
    return streamIdleTimeout;
  }

  /** How long the peer has to acknowledge this side's SETTINGS. */
  public Duration settingsAckTimeout() {
    return settingsAckTimeout;
  }

  /** The SETTINGS flood limit. */
  public Rate settingsRate() {
    return settingsRate;
  }

  /** The PING flood limit. */
  public Rate pingRate() {
    return pingRate;
  }

  /** The PRIORITY flood limit. */
  public Rate priorityRate() {
    return priorityRate;
  }

  /** The WINDOW_UPDATE flood limit. */
  public Rate windowUpdateRate() {
    return windowUpdateRate;
  }

  /** The empty-DATA flood limit. */
  public Rate emptyDataRate() {
    return emptyDataRate;
  }

  /** The stream-reset limit (rapid reset). */
  public Rate resetRate() {
    return resetRate;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Http2Limits)) {
      return false;
    }
    Http2Limits l = (Http2Limits) o;
    return headerTableSize == l.headerTableSize && encoderTableSize == l.encoderTableSize
        && maxHeaderListSize == l.maxHeaderListSize && maxHeaderBlockBytes == l.maxHeaderBlockBytes
        && maxContinuationFrames == l.maxContinuationFrames && maxFrameSize == l.maxFrameSize
        && maxConcurrentStreams == l.maxConcurrentStreams && initialWindowSize == l.initialWindowSize
        && connectionWindowSize == l.connectionWindowSize && maxBufferedOutputBytes == l.maxBufferedOutputBytes
        && maxQueuedControlFrames == l.maxQueuedControlFrames && streamIdleTimeout.equals(l.streamIdleTimeout)
        && settingsAckTimeout.equals(l.settingsAckTimeout) && settingsRate.equals(l.settingsRate)
        && pingRate.equals(l.pingRate) && priorityRate.equals(l.priorityRate)
        && windowUpdateRate.equals(l.windowUpdateRate) && emptyDataRate.equals(l.emptyDataRate)
        && resetRate.equals(l.resetRate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(headerTableSize, encoderTableSize, maxHeaderListSize, maxHeaderBlockBytes,
        maxContinuationFrames, maxFrameSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
        maxBufferedOutputBytes, maxQueuedControlFrames, streamIdleTimeout, settingsAckTimeout, settingsRate,
        pingRate, priorityRate, windowUpdateRate, emptyDataRate, resetRate);
  }

  @Override
  public String toString() {
    return "Http2Limits{headerTableSize=" + headerTableSize + " encoderTableSize=" + encoderTableSize
        + " maxHeaderListSize=" + maxHeaderListSize + " maxHeaderBlockBytes=" + maxHeaderBlockBytes
        + " maxContinuationFrames=" + maxContinuationFrames + " maxFrameSize=" + maxFrameSize
        + " maxConcurrentStreams=" + maxConcurrentStreams + " initialWindowSize=" + initialWindowSize
        + " connectionWindowSize=" + connectionWindowSize + " maxBufferedOutputBytes=" + maxBufferedOutputBytes
        + " maxQueuedControlFrames=" + maxQueuedControlFrames + " streamIdleTimeout=" + streamIdleTimeout
        + " settingsAckTimeout=" + settingsAckTimeout + " settingsRate=" + settingsRate + " pingRate=" + pingRate
        + " priorityRate=" + priorityRate + " windowUpdateRate=" + windowUpdateRate + " emptyDataRate="
        + emptyDataRate + " resetRate=" + resetRate + "}";
  }

  /**
   * A token bucket's size: at most {@code burst} events at once, refilled at {@code perSecond}.
   * Immutable and thread-safe; made by {@link Builder}'s rate setters, which validate it.
   *
   * @since 0.1.0
   */
  public static final class Rate {
    private final int burst;
    private final int perSecond;

    private Rate(int burst, int perSecond) {
      this.burst = burst;
      this.perSecond = perSecond;
    }

    /** The most events accepted at once (the bucket's capacity). */
    public int burst() {
      return burst;
    }

    /** The tokens given back each second. */
    public int perSecond() {
      return perSecond;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Rate && ((Rate) o).burst == burst && ((Rate) o).perSecond == perSecond;
    }

    @Override
    public int hashCode() {
      return 31 * burst + perSecond;
    }

    @Override
    public String toString() {
      return burst + " burst, " + perSecond + "/s";
    }
  }

  /**
   * Builds {@link Http2Limits}. Each setter validates its value and throws
   * {@link IllegalArgumentException} naming the field, the range and the value; a setter that threw
   * leaves the builder unchanged. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private int headerTableSize = DEFAULT_HEADER_TABLE_SIZE;
    private int encoderTableSize = DEFAULT_ENCODER_TABLE_SIZE;
    private int maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE;
    private int maxHeaderBlockBytes = DEFAULT_MAX_HEADER_BLOCK_BYTES;
    private int maxContinuationFrames = DEFAULT_MAX_CONTINUATION_FRAMES;
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
    private int initialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
    private int connectionWindowSize = DEFAULT_CONNECTION_WINDOW_SIZE;
    private int maxBufferedOutputBytes = DEFAULT_MAX_BUFFERED_OUTPUT_BYTES;
    private int maxQueuedControlFrames = DEFAULT_MAX_QUEUED_CONTROL_FRAMES;
    private Duration streamIdleTimeout = DEFAULT_STREAM_IDLE_TIMEOUT;
    private Duration settingsAckTimeout = DEFAULT_SETTINGS_ACK_TIMEOUT;
    private Rate settingsRate = DEFAULT_SETTINGS_RATE;
    private Rate pingRate = DEFAULT_PING_RATE;
    private Rate priorityRate = DEFAULT_PRIORITY_RATE;
    private Rate windowUpdateRate = DEFAULT_WINDOW_UPDATE_RATE;
    private Rate emptyDataRate = DEFAULT_EMPTY_DATA_RATE;
    private Rate resetRate = DEFAULT_RESET_RATE;

    private Builder() {}

    /** The HPACK dynamic table the peer may use, 0-65536 bytes (default 4096). */
    public Builder headerTableSize(int bytes) {
      this.headerTableSize = checkRange("http2Limits.headerTableSize", bytes, 0, 65536);
      return this;
    }

    /** The most this side's encoder uses, 0-65536 bytes (default 4096). */
    public Builder encoderTableSize(int bytes) {
      this.encoderTableSize = checkRange("http2Limits.encoderTableSize", bytes, 0, 65536);
      return this;
    }

    /** The largest decoded header list, 1024-1048576 bytes (default 32768). */
    public Builder maxHeaderListSize(int bytes) {
      this.maxHeaderListSize = checkRange("http2Limits.maxHeaderListSize", bytes, 1024, 1024 * 1024);
      return this;
    }

    /** The largest encoded header block, 1024-4194304 bytes (default 65536). */
    public Builder maxHeaderBlockBytes(int bytes) {
      this.maxHeaderBlockBytes = checkRange("http2Limits.maxHeaderBlockBytes", bytes, 1024, 4 * 1024 * 1024);
      return this;
    }

    /** The most CONTINUATION frames per header block, 1-1024 (default 8). */
    public Builder maxContinuationFrames(int frames) {
      this.maxContinuationFrames = checkRange("http2Limits.maxContinuationFrames", frames, 1, 1024);
      return this;
    }

    /** The largest frame payload accepted, 16384-16777215 bytes (default 16384). */
    public Builder maxFrameSize(int bytes) {
      this.maxFrameSize = checkRange("http2Limits.maxFrameSize", bytes, 16384, 16777215);
      return this;
    }

    /** The most streams the peer may have open, 1-10000 (default 100). */
    public Builder maxConcurrentStreams(int streams) {
      this.maxConcurrentStreams = checkRange("http2Limits.maxConcurrentStreams", streams, 1, 10_000);
      return this;
    }

    /** Each stream's receive window, 1024-16777216 bytes (default 65535). */
    public Builder initialWindowSize(int bytes) {
      this.initialWindowSize = checkRange("http2Limits.initialWindowSize", bytes, 1024, 16 * 1024 * 1024);
      return this;
    }

    /** The connection's receive window, 65535-2147483647 bytes (default 1048576). */
    public Builder connectionWindowSize(int bytes) {
      this.connectionWindowSize = checkRange("http2Limits.connectionWindowSize", bytes, 65535, Integer.MAX_VALUE);
      return this;
    }

    /** The output queued before streams wait, 16384-16777216 bytes (default 65536). */
    public Builder maxBufferedOutputBytes(int bytes) {
      this.maxBufferedOutputBytes = checkRange("http2Limits.maxBufferedOutputBytes", bytes, 16384,
          16 * 1024 * 1024);
      return this;
    }

    /** The most control frames queued while the peer does not read, 16-100000 (default 1000). */
    public Builder maxQueuedControlFrames(int frames) {
      this.maxQueuedControlFrames = checkRange("http2Limits.maxQueuedControlFrames", frames, 16, 100_000);
      return this;
    }

    /** How long a stream may be idle, 0 (off) or 1s-1h (default 120s). */
    public Builder streamIdleTimeout(Duration timeout) {
      this.streamIdleTimeout = checkZeroOrRange("http2Limits.streamIdleTimeout", timeout, Duration.ofSeconds(1),
          Duration.ofHours(1));
      return this;
    }

    /** How long the peer has to acknowledge SETTINGS, 1s-5min (default 10s). */
    public Builder settingsAckTimeout(Duration timeout) {
      this.settingsAckTimeout = checkRange("http2Limits.settingsAckTimeout", timeout, Duration.ofSeconds(1),
          Duration.ofMinutes(5));
      return this;
    }

    /** The SETTINGS flood limit (default 20 burst, 10/s). */
    public Builder settingsRate(int burst, int perSecond) {
      this.settingsRate = rate("http2Limits.settingsRate", burst, perSecond);
      return this;
    }

    /** The PING flood limit (default 50 burst, 10/s). */
    public Builder pingRate(int burst, int perSecond) {
      this.pingRate = rate("http2Limits.pingRate", burst, perSecond);
      return this;
    }

    /** The PRIORITY flood limit (default 200 burst, 100/s). */
    public Builder priorityRate(int burst, int perSecond) {
      this.priorityRate = rate("http2Limits.priorityRate", burst, perSecond);
      return this;
    }

    /** The WINDOW_UPDATE flood limit (default 200 burst, 100/s). */
    public Builder windowUpdateRate(int burst, int perSecond) {
      this.windowUpdateRate = rate("http2Limits.windowUpdateRate", burst, perSecond);
      return this;
    }

    /** The empty-DATA flood limit (default 20 burst, 10/s). */
    public Builder emptyDataRate(int burst, int perSecond) {
      this.emptyDataRate = rate("http2Limits.emptyDataRate", burst, perSecond);
      return this;
    }

    /** The stream-reset limit (default 1000 burst, 33/s). */
    public Builder resetRate(int burst, int perSecond) {
      this.resetRate = rate("http2Limits.resetRate", burst, perSecond);
      return this;
    }

    /** The limits; every value was validated when set. */
    public Http2Limits build() {
      return new Http2Limits(this);
    }

    private static Rate rate(String field, int burst, int perSecond) {
      checkRange(field + ".burst", burst, 1, MAX_RATE);
      checkRange(field + ".perSecond", perSecond, 1, MAX_RATE);
      return new Rate(burst, perSecond);
    }
  }
}
