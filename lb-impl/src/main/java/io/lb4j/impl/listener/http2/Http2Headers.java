package io.lb4j.impl.listener.http2;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An ordered list of header fields as bytes: what an HPACK block decodes to and what an encoder
 * takes. Names and values are ISO-8859-1 bytes; HTTP/2 names are lower case (the connection refuses
 * others, see {@link Http11Conversion}). A field may be marked sensitive, which keeps it out of HPACK
 * tables on every hop (a "never indexed" literal, RFC 7541 section 7.1.3).
 *
 * <p>Fields live in one growing byte array and one offsets array, so filling a list that has already
 * grown to a connection's largest block allocates nothing. The {@code String} accessors allocate and
 * are for logs and tests; hot paths compare with {@link #nameIs} and {@link #valueIs}.
 *
 * <p>Not thread-safe. A list handed to an {@link Http2Handler} callback belongs to the connection and is
 * valid only during the callback; copy what you need ({@link #copyFrom}).
 *
 * @since 0.1.0
 */
public final class Http2Headers {

  private static final byte SENSITIVE = 1;

  byte[] data;
  int dataLength;
  /** Per field: name offset, name length, value offset, value length. */
  private int[] offsets;
  private byte[] flags;
  private int count;

  /** An empty list. */
  public Http2Headers() {
    data = new byte[256];
    offsets = new int[4 * 16];
    flags = new byte[16];
  }

  /** Adds a field; each {@code char} must be 0-255 and is taken as one byte (ISO-8859-1). */
  public Http2Headers add(CharSequence name, CharSequence value) {
    return add(name, value, false);
  }

  /** Adds a field that must never enter an HPACK table (credentials, short cookies). */
  public Http2Headers addSensitive(CharSequence name, CharSequence value) {
    return add(name, value, true);
  }

  /** Adds a field from raw bytes. */
  public Http2Headers add(byte[] name, byte[] value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    return add(name, 0, name.length, value, 0, value.length, false);
  }

  /** Adds a field whose name and value are ranges of byte arrays (the same array or two). */
  public Http2Headers add(byte[] name, int nameOffset, int nameLength, byte[] value, int valueOffset,
      int valueLength, boolean sensitive) {
    Objects.checkFromIndexSize(nameOffset, nameLength, name.length);
    Objects.checkFromIndexSize(valueOffset, valueLength, value.length);
    int start = reserve(nameLength + valueLength);
    System.arraycopy(name, nameOffset, data, start, nameLength);
    System.arraycopy(value, valueOffset, data, start + nameLength, valueLength);
    dataLength = start + nameLength + valueLength;
    commit(start, nameLength, start + nameLength, valueLength, sensitive);
    return this;
  }

  /** Adds field {@code i} of {@code other}, keeping its sensitive mark. */
  public Http2Headers add(Http2Headers other, int i) {
    return add(other.data, other.nameOffset(i), other.nameLength(i), other.data, other.valueOffset(i),
        other.valueLength(i), other.isSensitive(i));
  }

  /** Replaces this list's fields with a copy of {@code other}'s. */
  public Http2Headers copyFrom(Http2Headers other) {
    clear();
    for (int i = 0; i < other.count; i++) {
      add(other, i);
    }
    return this;
  }

  /** The number of fields. */
  public int size() {
    return count;
  }

  /** True if the list has no field. */
  public boolean isEmpty() {
    return count == 0;
  }

  /** Removes every field; the arrays are kept for reuse. */
  public void clear() {
    count = 0;
    dataLength = 0;
  }

  /** The name of field {@code i} (allocates). */
  public String name(int i) {
    return new String(data, nameOffset(i), nameLength(i), StandardCharsets.ISO_8859_1);
  }

  /** The value of field {@code i} (allocates). */
  public String value(int i) {
    return new String(data, valueOffset(i), valueLength(i), StandardCharsets.ISO_8859_1);
  }

  /** True if field {@code i} is named exactly {@code name} (case-sensitive, as HTTP/2 names are lower case). */
  public boolean nameIs(int i, String name) {
    return regionIs(nameOffset(i), nameLength(i), name);
  }

  /** True if field {@code i}'s value is exactly {@code value}. */
  public boolean valueIs(int i, String value) {
    return regionIs(valueOffset(i), valueLength(i), value);
  }

  /** True if field {@code i} must never be indexed by an HPACK encoder. */
  public boolean isSensitive(int i) {
    return (flags[checkIndex(i)] & SENSITIVE) != 0;
  }

  /** The index of the first field named exactly {@code name}, or -1. */
  public int indexOf(String name) {
    for (int i = 0; i < count; i++) {
      if (nameIs(i, name)) {
        return i;
      }
    }
    return -1;
  }

  /** The value of the first field named exactly {@code name}, or null (allocates if found). */
  public String get(String name) {
    int i = indexOf(name);
    return i < 0 ? null : value(i);
  }

  /** The list's size as HTTP/2 counts it (RFC 9113 section 6.5.2): name + value + 32 per field. */
  public long listSize() {
    long size = 0;
    for (int i = 0; i < count; i++) {
      size += nameLength(i) + valueLength(i) + 32L;
    }
    return size;
  }

  /** The length of field {@code i}'s name in bytes. */
  public int nameLength(int i) {
    return offsets[4 * checkIndex(i) + 1];
  }

  /** The length of field {@code i}'s value in bytes. */
  public int valueLength(int i) {
    return offsets[4 * checkIndex(i) + 3];
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        s.append(", ");
      }
      s.append(name(i)).append(": ").append(value(i));
    }
    return s.append(']').toString();
  }

  /** Where field {@code i}'s name starts in {@link #bytes()}. */
  public int nameOffset(int i) {
    return offsets[4 * checkIndex(i)];
  }

  /** Where field {@code i}'s value starts in {@link #bytes()}. */
  public int valueOffset(int i) {
    return offsets[4 * checkIndex(i) + 2];
  }

  /**
   * The array holding every name and value (read it with {@link #nameOffset}, {@link #valueOffset} and the
   * lengths; it is replaced when the list grows, so read it again after adding).
   */
  public byte[] bytes() {
    return data;
  }

  /** The first byte of field {@code i}'s name; the caller knows the name is not empty. */
  byte nameByte(int i, int at) {
    return data[nameOffset(i) + at];
  }

  /** Makes room for {@code n} more bytes of data; returns where they start ({@link #dataLength}). */
  int reserve(int n) {
    if (dataLength + n > data.length) {
      byte[] grown = new byte[Math.max(data.length * 2, dataLength + n)];
      System.arraycopy(data, 0, grown, 0, dataLength);
      data = grown;
    }
    return dataLength;
  }

  /** Records a field whose bytes are already in {@link #data}. */
  void commit(int nameOffset, int nameLength, int valueOffset, int valueLength, boolean sensitive) {
    if (count == flags.length) {
      int[] o = new int[offsets.length * 2];
      System.arraycopy(offsets, 0, o, 0, offsets.length);
      offsets = o;
      byte[] f = new byte[flags.length * 2];
      System.arraycopy(flags, 0, f, 0, flags.length);
      flags = f;
    }
    int k = 4 * count;
    offsets[k] = nameOffset;
    offsets[k + 1] = nameLength;
    offsets[k + 2] = valueOffset;
    offsets[k + 3] = valueLength;
    flags[count++] = sensitive ? SENSITIVE : 0;
  }

  /**
   * Lets go of arrays grown past {@code maxBytes} of field bytes or 64 fields (a rare large list), so a list
   * kept for a connection's life does not keep its largest size; clears the list.
   */
  void trim(int maxBytes) {
    clear();
    if (data.length > maxBytes) {
      data = new byte[256];
    }
    if (flags.length > 64) {
      offsets = new int[4 * 16];
      flags = new byte[16];
    }
  }

  /** Adds {@code :status} with a three-digit value (100-999), without allocating. */
  public void addStatus(int status) {
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("status must be between 100 and 999, was " + status);
    }
    int start = reserve(":status".length() + 3);
    for (int k = 0; k < 7; k++) {
      data[start + k] = (byte) ":status".charAt(k);
    }
    data[start + 7] = (byte) ('0' + status / 100);
    data[start + 8] = (byte) ('0' + status / 10 % 10);
    data[start + 9] = (byte) ('0' + status % 10);
    dataLength = start + 10;
    commit(start, 7, start + 7, 3, false);
  }

  /** Lower-cases field {@code i}'s name in place (HTTP/1.1 names are case-insensitive, HTTP/2's lower case). */
  public void lowerCaseName(int i) {
    int off = nameOffset(i);
    for (int k = 0; k < nameLength(i); k++) {
      byte c = data[off + k];
      if (c >= 'A' && c <= 'Z') {
        data[off + k] = (byte) (c + 32);
      }
    }
  }

  private Http2Headers add(CharSequence name, CharSequence value, boolean sensitive) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    int start = reserve(name.length() + value.length());
    int p = start;
    for (int k = 0; k < name.length(); k++) {
      data[p++] = latin1(name.charAt(k));
    }
    for (int k = 0; k < value.length(); k++) {
      data[p++] = latin1(value.charAt(k));
    }
    dataLength = p;
    commit(start, name.length(), start + name.length(), value.length(), sensitive);
    return this;
  }

  private static byte latin1(char c) {
    if (c > 0xFF) {
      throw new IllegalArgumentException("header character must be between 0 and 255, was " + (int) c);
    }
    return (byte) c;
  }

  private boolean regionIs(int offset, int length, String s) {
    if (length != s.length()) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if ((data[offset + k] & 0xFF) != s.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private int checkIndex(int i) {
    return Objects.checkIndex(i, count);
  }
}
