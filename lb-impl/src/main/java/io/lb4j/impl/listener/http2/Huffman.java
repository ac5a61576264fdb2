package io.lb4j.impl.listener.http2;

/**
 * The static Huffman code of HPACK (RFC 7541 section 5.2 and Appendix B): encoding, and strict decoding
 * that refuses the EOS symbol inside a string and padding that is longer than 7 bits or not a prefix of
 * EOS (all ones).
 *
 * <p>The code is canonical: sorting the symbols by code length, then by value, and numbering them gives
 * exactly Appendix B's codes. So only the 257 lengths are written here and the codes are derived from them
 * (the tests check the derived codes against the RFC's examples).
 *
 * <p>Decoding reads four bits at a time through a table of 256 states (the code tree's inner nodes) by 16
 * nibbles. No code is shorter than 5 bits, so one nibble completes at most one symbol. Stateless and
 * thread-safe; allocates nothing.
 */
final class Huffman {

  /** Code length in bits of each symbol 0-255 and of EOS (256). */
  private static final byte[] LENGTHS = {
      13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,  // 0-15
      28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,  // 16-31
      6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,  // 32-47
      5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,  // 48-63
      13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  // 64-79
      7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,  // 80-95
      15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,  // 96-111
      6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,  // 112-127
      20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,  // 128-143
      24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,  // 144-159
      22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,  // 160-175
      21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,  // 176-191
      26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,  // 192-207
      19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,  // 208-223
      20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,  // 224-239
      26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,  // 240-255
      30,  // 256 (EOS)
  };

  static final int EOS = 256;
  /** Decoding failed: the EOS symbol appeared in the string. */
  static final int ERROR_EOS = -1;
  /** Decoding failed: the padding is longer than 7 bits or is not all ones. */
  static final int ERROR_PADDING = -2;

  /** Codes right-aligned, indexed by symbol. */
  static final int[] CODES = new int[257];

  private static final int EMITS = 1 << 8;
  private static final int SYMBOL_SHIFT = 9;
  private static final int FAILS = 1 << 17;
  private static final int ACCEPTS = 1 << 18;
  /** Per (state * 16 + nibble): next state, the symbol emitted if any, failure, and whether ending here is valid. */
  private static final int[] DECODE = new int[256 * 16];

  static {
    assignCanonicalCodes();
    buildDecodeTable();
  }

  private Huffman() {}

  /** Code length in bits of {@code symbol} (0-256). */
  static int length(int symbol) {
    return LENGTHS[symbol];
  }

  /** The encoded length in bytes of {@code src[off, off + len)}, padding included. */
  static int encodedLength(byte[] src, int off, int len) {
    long bits = 0;
    for (int i = off; i < off + len; i++) {
      bits += LENGTHS[src[i] & 0xFF];
    }
    return (int) ((bits + 7) >> 3);
  }

  /**
   * Encodes {@code src[off, off + len)} into {@code dst} from {@code dstOff}, padding the last byte with
   * the most significant bits of EOS (ones); returns the index after the last byte written. The caller
   * sizes {@code dst} with {@link #encodedLength}.
   */
  static int encode(byte[] src, int off, int len, byte[] dst, int dstOff) {
    long acc = 0;
    int bits = 0;
    int d = dstOff;
    for (int i = off; i < off + len; i++) {
      int sym = src[i] & 0xFF;
      // At most 7 bits wait in acc and a code has at most 30, so 37 bits never overflow the long.
      acc = (acc << LENGTHS[sym]) | CODES[sym];
      bits += LENGTHS[sym];
      while (bits >= 8) {
        bits -= 8;
        dst[d++] = (byte) (acc >>> bits);
      }
    }
    if (bits > 0) {
      dst[d++] = (byte) ((acc << (8 - bits)) | (0xFF >>> bits));
    }
    return d;
  }

  /** An upper bound on the decoded length of {@code len} encoded bytes (no code is shorter than 5 bits). */
  static int maxDecodedLength(int len) {
    return (int) ((len * 8L) / 5);
  }

  /**
   * Decodes {@code src[off, off + len)} into {@code dst} from {@code dstOff} (sized with
   * {@link #maxDecodedLength}); returns the index after the last byte written, or {@link #ERROR_EOS} or
   * {@link #ERROR_PADDING}.
   */
  static int decode(byte[] src, int off, int len, byte[] dst, int dstOff) {
    int state = 0;
    boolean accept = true;
    int d = dstOff;
    for (int i = off; i < off + len; i++) {
      int b = src[i] & 0xFF;
      int e = DECODE[(state << 4) | (b >>> 4)];
      if ((e & FAILS) != 0) {
        return ERROR_EOS;
      }
      if ((e & EMITS) != 0) {
        dst[d++] = (byte) (e >>> SYMBOL_SHIFT);
      }
      e = DECODE[((e & 0xFF) << 4) | (b & 0x0F)];
      if ((e & FAILS) != 0) {
        return ERROR_EOS;
      }
      if ((e & EMITS) != 0) {
        dst[d++] = (byte) (e >>> SYMBOL_SHIFT);
      }
      state = e & 0xFF;
      accept = (e & ACCEPTS) != 0;
    }
    return accept ? d : ERROR_PADDING;
  }

  /** The canonical code assignment (as DEFLATE's): codes of one length are consecutive, by symbol. */
  private static void assignCanonicalCodes() {
    int maxLength = 30;
    int[] countPerLength = new int[maxLength + 1];
    for (byte l : LENGTHS) {
      countPerLength[l]++;
    }
    int[] next = new int[maxLength + 1];
    int code = 0;
    for (int bits = 1; bits <= maxLength; bits++) {
      code = (code + countPerLength[bits - 1]) << 1;
      next[bits] = code;
    }
    for (int sym = 0; sym < LENGTHS.length; sym++) {
      CODES[sym] = next[LENGTHS[sym]]++;
    }
  }

  private static void buildDecodeTable() {
    // The code tree: children[2 * node + bit] is an inner node (> 0), a leaf -(symbol + 1) (< 0) or unset.
    int[] children = new int[2 * 256];
    int nodes = 1;
    for (int sym = 0; sym <= EOS; sym++) {
      int node = 0;
      for (int bit = LENGTHS[sym] - 1; bit >= 0; bit--) {
        int slot = 2 * node + ((CODES[sym] >>> bit) & 1);
        if (bit == 0) {
          children[slot] = -(sym + 1);
        } else {
          if (children[slot] == 0) {
            children[slot] = nodes++;
          }
          node = children[slot];
        }
      }
    }
    if (nodes != 256) {
      throw new IllegalStateException("the Huffman code is not a complete tree: " + nodes + " inner nodes");
    }
    // Ending in a node is valid padding if the bits since the last symbol are at most 7 ones: the root,
    // or one of the first 7 nodes down the all-ones path.
    boolean[] validEnd = new boolean[256];
    validEnd[0] = true;
    int onesNode = 0;
    for (int depth = 1; depth <= 7; depth++) {
      onesNode = children[2 * onesNode + 1];
      validEnd[onesNode] = true;
    }
    for (int state = 0; state < 256; state++) {
      for (int nibble = 0; nibble < 16; nibble++) {
        int node = state;
        int entry = 0;
        for (int bit = 3; bit >= 0; bit--) {
          int child = children[2 * node + ((nibble >>> bit) & 1)];
          if (child < 0) {
            int sym = -child - 1;
            if (sym == EOS) {
              entry |= FAILS;
              break;
            }
            entry |= EMITS | (sym << SYMBOL_SHIFT);
            node = 0;
          } else {
            node = child;
          }
        }
        if ((entry & FAILS) == 0) {
          entry |= node;
          if (validEnd[node]) {
            entry |= ACCEPTS;
          }
        }
        DECODE[(state << 4) | nibble] = entry;
      }
    }
  }
}
