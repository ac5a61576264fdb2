package io.lb4j.impl.listener.http2;

/**
 * An HPACK encoder (RFC 7541): one per connection, encoding each header list into a block in the order
 * the blocks are sent.
 *
 * <p>Each field becomes, in this order of preference: an index into the static or dynamic table when both
 * name and value are there; a "never indexed" literal for a field marked sensitive, {@code authorization},
 * {@code proxy-authorization} and a {@code cookie} shorter than 20 bytes (RFC 7541 section 7.1.3: such
 * values must not be guessable by probing the table); a literal without indexing when the field would
 * take more than three quarters of the table; otherwise a literal added to the table. A literal reuses a
 * table name when there is one. Strings are Huffman-encoded unless that is longer.
 *
 * <p>The table's size follows the peer's SETTINGS_HEADER_TABLE_SIZE, capped by this side's own limit;
 * changes are signalled at the start of the next block (the smallest size reached, then the final one).
 *
 * <p>Allocates nothing once its output buffer has grown to the largest block. Not thread-safe.
 *
 * @since 0.1.0
 */
public final class HpackEncoder {

  private static final int DEFAULT_TABLE_SIZE = 4096;
  private static final int SHORT_COOKIE = 20;

  private final HpackDynamicTable table;
  private final int maxTableSizeCap;
  /** The smallest size the table took since the last block, or -1 if it has not changed. */
  private int pendingMinSize = -1;
  private boolean huffman = true;
  private byte[] out = new byte[256];
  private int length;

  /**
   * An encoder using at most {@code maxTableSize} bytes of table. The peer's decoder starts at 4096 (the
   * protocol's default); a smaller cap is signalled in the first block.
   */
  public HpackEncoder(int maxTableSize) {
    this(DEFAULT_TABLE_SIZE, maxTableSize);
  }

  private HpackEncoder(int initialSize, int cap) {
    if (cap < 0) {
      throw new IllegalArgumentException("maxTableSize must be between 0 and " + Integer.MAX_VALUE + ", was " + cap);
    }
    this.maxTableSizeCap = cap;
    this.table = new HpackDynamicTable(initialSize);
    if (cap < initialSize) {
      resize(cap);
    }
  }

  /** An encoder whose peer is known to start with a table of {@code size} bytes (RFC 7541 Appendix C.5). */
  static HpackEncoder withInitialTableSize(int size) {
    return new HpackEncoder(size, size);
  }

  /** Turns Huffman coding off (for RFC 7541 Appendix C.3 and C.5) or back on. */
  void huffman(boolean on) {
    this.huffman = on;
  }

  /** Applies the peer's SETTINGS_HEADER_TABLE_SIZE (capped by this encoder's own limit). */
  public void peerMaxTableSize(long settingsValue) {
    int size = (int) Math.min(settingsValue, maxTableSizeCap);
    if (size != table.maxSize()) {
      resize(size);
    }
  }

  /** The dynamic table's size as RFC 7541 counts it. */
  int tableSize() {
    return table.size();
  }

  /**
   * Encodes {@code headers} into this encoder's buffer ({@link #buffer()}), replacing what was there;
   * returns the block's length.
   */
  public int encode(Http2Headers headers) {
    length = 0;
    if (pendingMinSize >= 0) {
      if (pendingMinSize < table.maxSize()) {
        writeInt(0x20, 5, pendingMinSize);
      }
      writeInt(0x20, 5, table.maxSize());
      pendingMinSize = -1;
    }
    for (int i = 0; i < headers.size(); i++) {
      encodeField(headers, i);
    }
    return length;
  }

  /** Lets go of a buffer grown past 4 KiB by a rare large block (called once the block was copied out). */
  void releaseLargeBuffer() {
    if (out.length > 4 * 1024) {
      out = new byte[256];
    }
  }

  /**
   * The last encoded block, from index 0 to the length {@link #encode} returned. Call it after
   * {@code encode}: encoding may replace the array with a larger one.
   */
  public byte[] buffer() {
    return out;
  }

  private void resize(int size) {
    pendingMinSize = pendingMinSize < 0 ? size : Math.min(pendingMinSize, size);
    table.setMaxSize(size);
  }

  private void encodeField(Http2Headers headers, int i) {
    byte[] b = headers.data;
    int nameOff = headers.nameOffset(i);
    int nameLen = headers.nameLength(i);
    int valueOff = headers.valueOffset(i);
    int valueLen = headers.valueLength(i);
    int nameHash = HpackStaticTable.hash(b, nameOff, nameLen);
    int staticName = HpackStaticTable.indexOfName(nameHash, b, nameOff, nameLen);
    boolean sensitive = headers.isSensitive(i) || neverIndex(staticName, valueLen);
    if (!sensitive && staticName != 0) {
      int exact = HpackStaticTable.indexOfValue(staticName, b, valueOff, valueLen);
      if (exact != 0) {
        writeInt(0x80, 7, exact);
        return;
      }
    }
    int pairHash = 31 * nameHash + HpackStaticTable.hash(b, valueOff, valueLen);
    if (!sensitive) {
      int dynamic = table.indexOf(pairHash, b, nameOff, nameLen, valueOff, valueLen);
      if (dynamic != 0) {
        writeInt(0x80, 7, HpackStaticTable.LENGTH + dynamic);
        return;
      }
    }
    int nameIndex = staticName;
    if (nameIndex == 0) {
      int dynamicName = table.indexOfName(nameHash, b, nameOff, nameLen);
      nameIndex = dynamicName == 0 ? 0 : HpackStaticTable.LENGTH + dynamicName;
    }
    long entrySize = (long) nameLen + valueLen + HpackDynamicTable.ENTRY_OVERHEAD;
    boolean indexing = !sensitive && entrySize * 4 <= table.maxSize() * 3L;
    if (indexing) {
      writeInt(0x40, 6, nameIndex);
    } else {
      writeInt(sensitive ? 0x10 : 0x00, 4, nameIndex);
    }
    if (nameIndex == 0) {
      writeString(b, nameOff, nameLen);
    }
    writeString(b, valueOff, valueLen);
    if (indexing) {
      table.add(b, nameOff, nameLen, valueOff, valueLen, nameHash, pairHash);
    }
  }

  /** Credentials and short cookies are never indexed (index 23 authorization, 49 proxy-authorization, 32 cookie). */
  private static boolean neverIndex(int staticName, int valueLength) {
    return staticName == 23 || staticName == 49 || (staticName == 32 && valueLength < SHORT_COOKIE);
  }

  private void writeInt(int firstByteBits, int prefixBits, int value) {
    ensure(6);
    int mask = (1 << prefixBits) - 1;
    if (value < mask) {
      out[length++] = (byte) (firstByteBits | value);
      return;
    }
    out[length++] = (byte) (firstByteBits | mask);
    int rest = value - mask;
    while (rest >= 0x80) {
      out[length++] = (byte) ((rest & 0x7F) | 0x80);
      rest >>>= 7;
    }
    out[length++] = (byte) rest;
  }

  private void writeString(byte[] b, int off, int len) {
    int encoded = huffman ? Huffman.encodedLength(b, off, len) : len;
    // At equal length Huffman is used too, as by the RFC's own examples (C.6.2's "307").
    if (huffman && encoded <= len && len > 0) {
      writeInt(0x80, 7, encoded);
      ensure(encoded);
      length = Huffman.encode(b, off, len, out, length);
    } else {
      writeInt(0x00, 7, len);
      ensure(len);
      System.arraycopy(b, off, out, length, len);
      length += len;
    }
  }

  private void ensure(int n) {
    if (length + n > out.length) {
      byte[] grown = new byte[Math.max(out.length * 2, length + n)];
      System.arraycopy(out, 0, grown, 0, length);
      out = grown;
    }
  }
}
