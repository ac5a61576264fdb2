package io.lb4j.impl.listener.http;

/**
 * A reusable {@link CharSequence} view of a range of a head's bytes (ISO-8859-1, one char per byte), optionally
 * preceded by one {@code /}: how a request's host and target reach the router without a {@code String}. Valid
 * while the head it points into is; not thread-safe (one per connection).
 *
 * @since 0.1.0
 */
public final class ByteChars implements CharSequence {

  private byte[] bytes = new byte[0];
  private int start;
  private int length;
  /** 1 when a '/' precedes the range (an absolute-form target whose path is empty). */
  private int slash;

  /** An empty view. */
  public ByteChars() {}

  void set(byte[] b, int from, int to, boolean leadingSlash) {
    this.bytes = b;
    this.start = from;
    this.length = to - from;
    this.slash = leadingSlash ? 1 : 0;
  }

  @Override
  public int length() {
    return slash + length;
  }

  @Override
  public char charAt(int index) {
    if (index < slash) {
      return '/';
    }
    return (char) (bytes[start + index - slash] & 0xff);
  }

  /** A copy of part of the view (allocates; not used by the router). */
  @Override
  public CharSequence subSequence(int from, int to) {
    return toString().substring(from, to);
  }

  /** The view as a string (allocates: logs and tests only). */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(length());
    for (int i = 0; i < length(); i++) {
      s.append(charAt(i));
    }
    return s.toString();
  }
}
