package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkRange;

/**
 * The size limits of the HTTP/1.1 codec, each with the status a request over it gets.
 *
 * <table>
 *   <caption>Limits, defaults and answers</caption>
 *   <tr><th>limit</th><th>default</th><th>range</th><th>over it</th></tr>
 *   <tr><td>{@code maxRequestLineLength}: method, target and version, without CRLF</td>
 *       <td>8192</td><td>64-65536</td><td>414</td></tr>
 *   <tr><td>{@code maxHeaderSectionBytes}: the field lines after the request line, with their CRLFs
 *       and the empty line that ends them</td><td>32768</td><td>1024-1048576</td><td>431</td></tr>
 *   <tr><td>{@code maxFieldCount}: field lines in a request or response head, and in a trailer
 *       section</td><td>100</td><td>1-10000</td><td>431</td></tr>
 *   <tr><td>{@code maxChunkSizeLineLength}: a chunk-size line with its extensions, without CRLF</td>
 *       <td>1024</td><td>16-65536</td><td>400</td></tr>
 *   <tr><td>{@code maxTrailerSectionBytes}: the trailer field lines and the empty line that ends
 *       them</td><td>8192</td><td>64-1048576</td><td>431</td></tr>
 *   <tr><td>{@code maxResponseHeadBytes}: a backend's status line and field lines</td>
 *       <td>65536</td><td>1024-1048576</td><td>502 (the proxy's answer)</td></tr>
 * </table>
 *
 * <p>A message exactly at a limit is accepted; one byte (or field) more is refused. The default header
 * section limit equals {@code Listener.DEFAULT_MAX_REQUEST_HEADER_SIZE}. The parsers grow their
 * buffers up to these limits only when a message needs it, so they also bound memory per connection.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}, start from {@link #defaults()}.
 *
 * @since 0.1.0
 */
public final class HttpLimits {

  /** Default {@link #maxRequestLineLength()}. */
  public static final int DEFAULT_MAX_REQUEST_LINE_LENGTH = 8192;
  /** Default {@link #maxHeaderSectionBytes()}. */
  public static final int DEFAULT_MAX_HEADER_SECTION_BYTES = 32 * 1024;
  /** Default {@link #maxFieldCount()}. */
  public static final int DEFAULT_MAX_FIELD_COUNT = 100;
  /** Default {@link #maxChunkSizeLineLength()}. */
  public static final int DEFAULT_MAX_CHUNK_SIZE_LINE_LENGTH = 1024;
  /** Default {@link #maxTrailerSectionBytes()}. */
  public static final int DEFAULT_MAX_TRAILER_SECTION_BYTES = 8192;
  /** Default {@link #maxResponseHeadBytes()}. */
  public static final int DEFAULT_MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

  private static final HttpLimits DEFAULTS = new Builder().build();

  private final int maxRequestLineLength;
  private final int maxHeaderSectionBytes;
  private final int maxFieldCount;
  private final int maxChunkSizeLineLength;
  private final int maxTrailerSectionBytes;
  private final int maxResponseHeadBytes;

  private HttpLimits(Builder b) {
    this.maxRequestLineLength = b.maxRequestLineLength;
    this.maxHeaderSectionBytes = b.maxHeaderSectionBytes;
    this.maxFieldCount = b.maxFieldCount;
    this.maxChunkSizeLineLength = b.maxChunkSizeLineLength;
    this.maxTrailerSectionBytes = b.maxTrailerSectionBytes;
    this.maxResponseHeadBytes = b.maxResponseHeadBytes;
  }

  /** The default limits (see the class table). */
  public static HttpLimits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxRequestLineLength = maxRequestLineLength;
    b.maxHeaderSectionBytes = maxHeaderSectionBytes;
    b.maxFieldCount = maxFieldCount;
    b.maxChunkSizeLineLength = maxChunkSizeLineLength;
    b.maxTrailerSectionBytes = maxTrailerSectionBytes;
    b.maxResponseHeadBytes = maxResponseHeadBytes;
    return b;
  }

  /** The longest request line accepted, in bytes without CRLF; a longer one gets 414. */
  public int maxRequestLineLength() {
    return maxRequestLineLength;
  }

  /** The largest request header section accepted, in bytes; a larger one gets 431. */
  public int maxHeaderSectionBytes() {
    return maxHeaderSectionBytes;
  }

  /** The most field lines in a head or a trailer section; more get 431 (502 from a backend). */
  public int maxFieldCount() {
    return maxFieldCount;
  }

  /** The longest chunk-size line (size and extensions) accepted, without CRLF; longer gets 400. */
  public int maxChunkSizeLineLength() {
    return maxChunkSizeLineLength;
  }

  /** The largest trailer section accepted, in bytes with the final empty line; larger gets 431. */
  public int maxTrailerSectionBytes() {
    return maxTrailerSectionBytes;
  }

  /** The largest response head (status line and fields) accepted from a backend; larger is a 502. */
  public int maxResponseHeadBytes() {
    return maxResponseHeadBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HttpLimits)) {
      return false;
    }
    HttpLimits l = (HttpLimits) o;
    return maxRequestLineLength == l.maxRequestLineLength && maxHeaderSectionBytes == l.maxHeaderSectionBytes
        && maxFieldCount == l.maxFieldCount && maxChunkSizeLineLength == l.maxChunkSizeLineLength
        && maxTrailerSectionBytes == l.maxTrailerSectionBytes && maxResponseHeadBytes == l.maxResponseHeadBytes;
  }

  @Override
  public int hashCode() {
    int h = maxRequestLineLength;
    h = 31 * h + maxHeaderSectionBytes;
    h = 31 * h + maxFieldCount;
    h = 31 * h + maxChunkSizeLineLength;
    h = 31 * h + maxTrailerSectionBytes;
    return 31 * h + maxResponseHeadBytes;
  }

  @Override
  public String toString() {
    return "HttpLimits{maxRequestLineLength=" + maxRequestLineLength + " maxHeaderSectionBytes="
        + maxHeaderSectionBytes + " maxFieldCount=" + maxFieldCount + " maxChunkSizeLineLength="
        + maxChunkSizeLineLength + " maxTrailerSectionBytes=" + maxTrailerSectionBytes
        + " maxResponseHeadBytes=" + maxResponseHeadBytes + "}";
  }

  /**
   * Builds {@link HttpLimits}. Each setter validates its value and throws
   * {@link IllegalArgumentException} naming the field, the range and the value; a setter that threw
   * leaves the builder unchanged. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private int maxRequestLineLength = DEFAULT_MAX_REQUEST_LINE_LENGTH;
    private int maxHeaderSectionBytes = DEFAULT_MAX_HEADER_SECTION_BYTES;
    private int maxFieldCount = DEFAULT_MAX_FIELD_COUNT;
    private int maxChunkSizeLineLength = DEFAULT_MAX_CHUNK_SIZE_LINE_LENGTH;
    private int maxTrailerSectionBytes = DEFAULT_MAX_TRAILER_SECTION_BYTES;
    private int maxResponseHeadBytes = DEFAULT_MAX_RESPONSE_HEAD_BYTES;

    private Builder() {}

    /** The longest request line, 64-65536 bytes (default 8192). */
    public Builder maxRequestLineLength(int bytes) {
      this.maxRequestLineLength = checkRange("httpLimits.maxRequestLineLength", bytes, 64, 65536);
      return this;
    }

    /** The largest request header section, 1024-1048576 bytes (default 32768). */
    public Builder maxHeaderSectionBytes(int bytes) {
      this.maxHeaderSectionBytes = checkRange("httpLimits.maxHeaderSectionBytes", bytes, 1024, 1024 * 1024);
      return this;
    }

    /** The most field lines per head or trailer section, 1-10000 (default 100). */
    public Builder maxFieldCount(int count) {
      this.maxFieldCount = checkRange("httpLimits.maxFieldCount", count, 1, 10_000);
      return this;
    }

    /** The longest chunk-size line, 16-65536 bytes (default 1024). */
    public Builder maxChunkSizeLineLength(int bytes) {
      this.maxChunkSizeLineLength = checkRange("httpLimits.maxChunkSizeLineLength", bytes, 16, 65536);
      return this;
    }

    /** The largest trailer section, 64-1048576 bytes (default 8192). */
    public Builder maxTrailerSectionBytes(int bytes) {
      this.maxTrailerSectionBytes = checkRange("httpLimits.maxTrailerSectionBytes", bytes, 64, 1024 * 1024);
      return this;
    }

    /** The largest backend response head, 1024-1048576 bytes (default 65536). */
    public Builder maxResponseHeadBytes(int bytes) {
      this.maxResponseHeadBytes = checkRange("httpLimits.maxResponseHeadBytes", bytes, 1024, 1024 * 1024);
      return this;
    }

    /** The limits; every value was validated when set. */
    public HttpLimits build() {
      return new HttpLimits(this);
    }
  }
}
