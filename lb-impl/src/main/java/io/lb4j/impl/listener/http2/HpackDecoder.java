package io.lb4j.impl.listener.http2;

import java.util.Objects;

/**
 * A strict HPACK decoder (RFC 7541): one per connection, decoding each complete header block into an
 * {@link Http2Headers} in the order blocks arrive.
 *
 * <p>Refused with {@link #ERROR} (a connection error of type COMPRESSION_ERROR, since the table can no
 * longer be trusted): index 0 or beyond the tables; an integer longer than 5 continuation bytes or above
 * 2^31-1; a string longer than the rest of the block; Huffman padding longer than 7 bits or not all ones,
 * or EOS inside a string; a dynamic table size update above the limit in force, after a field, more than
 * two in a row, or missing when the limit went down below the table's size.
 *
 * <p>Bounded: a block whose decoded list would pass {@code maxHeaderListSize} (each field counted as name +
 * value + 32) is still decoded to the end, so the dynamic table stays in step with the peer's encoder,
 * but nothing more is copied out once the limit is passed and {@link #LIST_TOO_LARGE} is returned. A small
 * block that references large table entries many times (an "HPACK bomb") therefore costs at most the
 * limit in memory and time proportional to the block.
 *
 * <p>Decoding allocates nothing once the output list and the table have grown to the connection's
 * largest block. Not thread-safe.
 *
 * @since 0.1.0
 */
public final class HpackDecoder {

  /** The block decoded into the output list. */
  public static final int OK = 0;
  /** The block was decoded (the table is consistent) but its list passed the size limit; the output is empty. */
  public static final int LIST_TOO_LARGE = 1;
  /** The block is invalid; see {@link #errorReason()}. The decoder cannot be used again. */
  public static final int ERROR = 2;

  private static final int MAX_SIZE_UPDATES = 2;

  private final HpackDynamicTable table;
  private final int maxHeaderListSize;
  /** The largest table size the peer's encoder may choose (our SETTINGS_HEADER_TABLE_SIZE in force). */
  private int maxTableSizeLimit;
  private boolean sizeUpdateRequired;
  private String errorReason;

  private byte[] src;
  private int pos;
  private int end;

  /**
   * A decoder whose table starts at (and is limited to) {@code maxTableSize} bytes, refusing lists larger
   * than {@code maxHeaderListSize}.
   */
  public HpackDecoder(int maxTableSize, int maxHeaderListSize) {
    if (maxTableSize < 0 || maxHeaderListSize < 0) {
      throw new IllegalArgumentException("HPACK sizes must be between 0 and " + Integer.MAX_VALUE + ", was "
          + maxTableSize + " and " + maxHeaderListSize);
    }
    this.table = new HpackDynamicTable(maxTableSize);
    this.maxTableSizeLimit = maxTableSize;
    this.maxHeaderListSize = maxHeaderListSize;
  }

  /**
   * Sets the largest table size the encoder may use (when this side's SETTINGS_HEADER_TABLE_SIZE takes
   * effect). If it is below the table's current maximum, the next block must start with a size update.
   */
  public void maxTableSizeLimit(int limit) {
    if (limit < table.maxSize()) {
      sizeUpdateRequired = true;
    }
    maxTableSizeLimit = limit;
  }

  /** Why the last {@link #ERROR} happened, or null. */
  public String errorReason() {
    return errorReason;
  }

  /** The dynamic table's size as RFC 7541 counts it (for tests and diagnostics). */
  int tableSize() {
    return table.size();
  }

  /** The dynamic table's maximum size (set by the encoder's size updates). */
  int tableMaxSize() {
    return table.maxSize();
  }

  /** The dynamic table's entry count. */
  int tableLength() {
    return table.length();
  }

  /**
   * Decodes the complete block {@code block[offset, offset + length)}, appending its fields to
   * {@code out} (cleared first). Returns {@link #OK}, {@link #LIST_TOO_LARGE} or {@link #ERROR}.
   */
  public int decode(byte[] block, int offset, int length, Http2Headers out) {
    Objects.checkFromIndexSize(offset, length, block.length);
    out.clear();
    if (errorReason != null) {
      return ERROR;
    }
    src = block;
    pos = offset;
    end = offset + length;
    try {
      return decodeBlock(out);
    } finally {
      src = null;
    }
  }

  private int decodeBlock(Http2Headers out) {
    long listSize = 0;
    boolean tooLarge = false;
    boolean fieldSeen = false;
    int sizeUpdates = 0;
    while (pos < end) {
      int b = src[pos] & 0xFF;
      if ((b & 0xE0) == 0x20) {
        if (fieldSeen) {
          return fail("dynamic table size update after a field");
        }
        if (++sizeUpdates > MAX_SIZE_UPDATES) {
          return fail("more than two dynamic table size updates");
        }
        int size = readInt(5);
        if (size < 0) {
          return ERROR;
        }
        if (size > maxTableSizeLimit) {
          return fail("dynamic table size update to " + size + " above the limit " + maxTableSizeLimit);
        }
        table.setMaxSize(size);
        sizeUpdateRequired = false;
        continue;
      }
      if (sizeUpdateRequired) {
        return fail("missing dynamic table size update after the limit went down");
      }
      fieldSeen = true;
      int mark = out.dataLength;
      int fieldSize;
      if ((b & 0x80) != 0) {
        int index = readInt(7);
        if (index < 0) {
          return ERROR;
        }
        if (index == 0 || index > HpackStaticTable.LENGTH + table.length()) {
          return fail("index " + index + " outside the tables");
        }
        fieldSize = entryLength(index) + HpackDynamicTable.ENTRY_OVERHEAD;
        if (!tooLarge && listSize + fieldSize <= maxHeaderListSize) {
          copyEntry(index, out);
        }
      } else {
        boolean indexing = (b & 0xC0) == 0x40;
        boolean neverIndexed = (b & 0xF0) == 0x10;
        int nameIndex = readInt(indexing ? 6 : 4);
        if (nameIndex < 0) {
          return ERROR;
        }
        int nameStart = out.dataLength;
        int nameLength;
        if (nameIndex == 0) {
          nameLength = readString(out);
          if (nameLength < 0) {
            return ERROR;
          }
        } else {
          if (nameIndex > HpackStaticTable.LENGTH + table.length()) {
            return fail("name index " + nameIndex + " outside the tables");
          }
          nameLength = copyName(nameIndex, out);
        }
        int valueStart = out.dataLength;
        int valueLength = readString(out);
        if (valueLength < 0) {
          return ERROR;
        }
        fieldSize = nameLength + valueLength + HpackDynamicTable.ENTRY_OVERHEAD;
        if (indexing) {
          table.add(out.data, nameStart, nameLength, valueStart, valueLength, 0, 0);
        }
        if (!tooLarge && listSize + fieldSize <= maxHeaderListSize) {
          out.commit(nameStart, nameLength, valueStart, valueLength, neverIndexed);
        } else {
          out.dataLength = mark;
        }
      }
      listSize += fieldSize;
      if (listSize > maxHeaderListSize) {
        tooLarge = true;
      }
    }
    if (sizeUpdateRequired) {
      return fail("missing dynamic table size update after the limit went down");
    }
    if (tooLarge) {
      out.clear();
      return LIST_TOO_LARGE;
    }
    return OK;
  }

  /** Reads an integer with an {@code prefixBits}-bit prefix (RFC 7541 section 5.1); -1 on error. */
  private int readInt(int prefixBits) {
    int mask = (1 << prefixBits) - 1;
    int value = src[pos++] & mask;
    if (value < mask) {
      return value;
    }
    long v = value;
    // Five continuation bytes carry 35 bits: enough for any value up to 2^31-1 that this decoder accepts.
    for (int shift = 0; shift <= 28; shift += 7) {
      if (pos == end) {
        fail("integer truncated by the end of the block");
        return -1;
      }
      int b = src[pos++] & 0xFF;
      v += (long) (b & 0x7F) << shift;
      if (v > Integer.MAX_VALUE) {
        fail("integer above 2^31-1");
        return -1;
      }
      if ((b & 0x80) == 0) {
        return (int) v;
      }
    }
    fail("integer longer than 5 continuation bytes");
    return -1;
  }

  /** Reads a string literal (section 5.2) and appends it to {@code out}'s data; its length, or -1. */
  private int readString(Http2Headers out) {
    if (pos == end) {
      fail("string truncated by the end of the block");
      return -1;
    }
    boolean huffman = (src[pos] & 0x80) != 0;
    int length = readInt(7);
    if (length < 0) {
      return -1;
    }
    if (length > end - pos) {
      fail("string of " + length + " bytes longer than the rest of the block");
      return -1;
    }
    int at;
    if (huffman) {
      at = out.reserve(Huffman.maxDecodedLength(length));
      int decodedEnd = Huffman.decode(src, pos, length, out.data, at);
      if (decodedEnd == Huffman.ERROR_EOS) {
        fail("EOS in a Huffman-encoded string");
        return -1;
      }
      if (decodedEnd == Huffman.ERROR_PADDING) {
        fail("Huffman padding longer than 7 bits or not all ones");
        return -1;
      }
      out.dataLength = decodedEnd;
      pos += length;
      return decodedEnd - at;
    }
    at = out.reserve(length);
    System.arraycopy(src, pos, out.data, at, length);
    out.dataLength = at + length;
    pos += length;
    return length;
  }

  private int entryLength(int index) {
    if (index <= HpackStaticTable.LENGTH) {
      return HpackStaticTable.NAMES[index].length + HpackStaticTable.VALUES[index].length;
    }
    int d = index - HpackStaticTable.LENGTH;
    return table.nameLength(d) + table.valueLength(d);
  }

  /** Appends entry {@code index}'s name and value to {@code out} as a field. */
  private void copyEntry(int index, Http2Headers out) {
    int nameStart = out.dataLength;
    int nameLength = copyName(index, out);
    int valueStart = out.dataLength;
    int valueLength;
    if (index <= HpackStaticTable.LENGTH) {
      byte[] value = HpackStaticTable.VALUES[index];
      valueLength = value.length;
      int at = out.reserve(valueLength);
      System.arraycopy(value, 0, out.data, at, valueLength);
    } else {
      int d = index - HpackStaticTable.LENGTH;
      valueLength = table.valueLength(d);
      int at = out.reserve(valueLength);
      table.copyValue(d, out.data, at);
    }
    out.dataLength = valueStart + valueLength;
    out.commit(nameStart, nameLength, valueStart, valueLength, false);
  }

  /** Appends entry {@code index}'s name to {@code out}'s data; returns its length. */
  private int copyName(int index, Http2Headers out) {
    int length;
    if (index <= HpackStaticTable.LENGTH) {
      byte[] name = HpackStaticTable.NAMES[index];
      length = name.length;
      int at = out.reserve(length);
      System.arraycopy(name, 0, out.data, at, length);
    } else {
      int d = index - HpackStaticTable.LENGTH;
      length = table.nameLength(d);
      int at = out.reserve(length);
      table.copyName(d, out.data, at);
    }
    out.dataLength += length;
    return length;
  }

  private int fail(String reason) {
    errorReason = reason;
    return ERROR;
  }
}
