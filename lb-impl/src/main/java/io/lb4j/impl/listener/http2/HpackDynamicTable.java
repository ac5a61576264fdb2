package io.lb4j.impl.listener.http2;

/**
 * HPACK's dynamic table (RFC 7541 sections 2.3.2 and 4): entries in insertion order, the newest at
 * dynamic index 1, the oldest evicted first when a new entry or a smaller maximum needs room.
 *
 * <p>Entries are not objects: their bytes (name, then value) sit in one ring of bytes and their lengths
 * and hashes in rings of ints, so adding and evicting allocate nothing. Both rings start small and grow
 * (to at most the table's maximum size) only as entries arrive, so an idle connection's table costs a
 * few hundred bytes. The bytes of live entries never exceed the maximum size, since each entry also
 * counts 32 bytes of overhead.
 *
 * <p>Not thread-safe: one per decoder or encoder, owned by a connection.
 */
final class HpackDynamicTable {

  static final int ENTRY_OVERHEAD = 32;

  private byte[] bytes = new byte[128];
  /** Ring index of the oldest entry's first byte, and the bytes in use. */
  private int bytesStart;
  private int bytesUsed;

  private int[] byteOffsets = new int[8];
  private int[] nameLengths = new int[8];
  private int[] valueLengths = new int[8];
  private int[] nameHashes = new int[8];
  private int[] pairHashes = new int[8];
  /** Ring index of the oldest entry, and the number of entries. */
  private int first;
  private int count;

  /** RFC 7541 size: the sum of name + value + 32 over the entries. */
  private int size;
  private int maxSize;

  HpackDynamicTable(int maxSize) {
    this.maxSize = maxSize;
  }

  /** The number of entries. */
  int length() {
    return count;
  }

  /** The table's size as RFC 7541 section 4.1 counts it. */
  int size() {
    return size;
  }

  int maxSize() {
    return maxSize;
  }

  /** Sets the maximum size, evicting the oldest entries until the table fits. */
  void setMaxSize(int newMaxSize) {
    maxSize = newMaxSize;
    while (size > maxSize) {
      evictOldest();
    }
  }

  /**
   * Adds an entry copied from {@code src}; evicts to make room, and empties the table if the entry is
   * larger than the maximum size (section 4.4). The source must not be this table's storage.
   */
  void add(byte[] src, int nameOffset, int nameLength, int valueOffset, int valueLength, int nameHash,
      int pairHash) {
    int entrySize = nameLength + valueLength + ENTRY_OVERHEAD;
    if (entrySize > maxSize) {
      while (count > 0) {
        evictOldest();
      }
      return;
    }
    while (size + entrySize > maxSize) {
      evictOldest();
    }
    int length = nameLength + valueLength;
    ensureByteCapacity(bytesUsed + length);
    ensureEntryCapacity(count + 1);
    int at = (bytesStart + bytesUsed) % bytes.length;
    put(src, nameOffset, nameLength, at);
    put(src, valueOffset, valueLength, (at + nameLength) % bytes.length);
    bytesUsed += length;
    int slot = (first + count) % nameLengths.length;
    byteOffsets[slot] = at;
    nameLengths[slot] = nameLength;
    valueLengths[slot] = valueLength;
    nameHashes[slot] = nameHash;
    pairHashes[slot] = pairHash;
    count++;
    size += entrySize;
  }

  /** The name length of the entry at dynamic index {@code index} (1 = newest). */
  int nameLength(int index) {
    return nameLengths[slot(index)];
  }

  /** The value length of the entry at dynamic index {@code index}. */
  int valueLength(int index) {
    return valueLengths[slot(index)];
  }

  /** Copies the name of entry {@code index} into {@code dst} at {@code at}. */
  void copyName(int index, byte[] dst, int at) {
    copy(byteOffset(index), nameLengths[slot(index)], dst, at);
  }

  /** Copies the value of entry {@code index} into {@code dst} at {@code at}. */
  void copyValue(int index, byte[] dst, int at) {
    int slot = slot(index);
    copy((byteOffset(index) + nameLengths[slot]) % bytes.length, valueLengths[slot], dst, at);
  }

  /** The newest entry whose name and value equal the given ranges, or 0. */
  int indexOf(int pairHash, byte[] b, int nameOffset, int nameLength, int valueOffset, int valueLength) {
    for (int index = 1; index <= count; index++) {
      int slot = slot(index);
      if (pairHashes[slot] == pairHash && nameLengths[slot] == nameLength && valueLengths[slot] == valueLength) {
        int off = byteOffset(index);
        if (regionEquals(off, b, nameOffset, nameLength)
            && regionEquals((off + nameLength) % bytes.length, b, valueOffset, valueLength)) {
          return index;
        }
      }
    }
    return 0;
  }

  /** The newest entry whose name equals the given range, or 0. */
  int indexOfName(int nameHash, byte[] b, int nameOffset, int nameLength) {
    for (int index = 1; index <= count; index++) {
      int slot = slot(index);
      if (nameHashes[slot] == nameHash && nameLengths[slot] == nameLength
          && regionEquals(byteOffset(index), b, nameOffset, nameLength)) {
        return index;
      }
    }
    return 0;
  }

  private int slot(int index) {
    if (index < 1 || index > count) {
      throw new IndexOutOfBoundsException("dynamic index " + index + " of " + count);
    }
    return (first + count - index) % nameLengths.length;
  }

  /** Ring offset of entry {@code index}'s first byte. */
  private int byteOffset(int index) {
    return byteOffsets[slot(index)];
  }

  private void evictOldest() {
    int length = nameLengths[first] + valueLengths[first];
    bytesStart = (bytesStart + length) % bytes.length;
    bytesUsed -= length;
    size -= length + ENTRY_OVERHEAD;
    first = (first + 1) % nameLengths.length;
    count--;
    if (count == 0) {
      bytesStart = 0;
      first = 0;
    }
  }

  private void put(byte[] src, int off, int len, int at) {
    int tail = Math.min(len, bytes.length - at);
    System.arraycopy(src, off, bytes, at, tail);
    System.arraycopy(src, off + tail, bytes, 0, len - tail);
  }

  private void copy(int from, int len, byte[] dst, int at) {
    int tail = Math.min(len, bytes.length - from);
    System.arraycopy(bytes, from, dst, at, tail);
    System.arraycopy(bytes, 0, dst, at + tail, len - tail);
  }

  private boolean regionEquals(int from, byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      if (bytes[(from + i) % bytes.length] != b[off + i]) {
        return false;
      }
    }
    return true;
  }

  private void ensureByteCapacity(int needed) {
    if (needed <= bytes.length) {
      return;
    }
    byte[] grown = new byte[Math.max(needed, Math.min(bytes.length * 2, maxSize))];
    copy(bytesStart, bytesUsed, grown, 0);
    // The entries now lie from 0, oldest first; their offsets move with them.
    int at = 0;
    for (int i = 0; i < count; i++) {
      int s = (first + i) % nameLengths.length;
      byteOffsets[s] = at;
      at += nameLengths[s] + valueLengths[s];
    }
    bytes = grown;
    bytesStart = 0;
  }

  private void ensureEntryCapacity(int needed) {
    if (needed <= nameLengths.length) {
      return;
    }
    int capacity = nameLengths.length * 2;
    byteOffsets = regrow(byteOffsets, capacity);
    nameLengths = regrow(nameLengths, capacity);
    valueLengths = regrow(valueLengths, capacity);
    nameHashes = regrow(nameHashes, capacity);
    pairHashes = regrow(pairHashes, capacity);
    first = 0;
  }

  /** A copy of ring {@code ring} with its entries moved to the start, oldest first. */
  private int[] regrow(int[] ring, int capacity) {
    int[] grown = new int[capacity];
    for (int i = 0; i < count; i++) {
      grown[i] = ring[(first + i) % ring.length];
    }
    return grown;
  }
}
