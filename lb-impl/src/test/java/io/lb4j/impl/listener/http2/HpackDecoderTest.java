package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder against every example of RFC 7541 Appendix C (the dynamic table checked after each block
 * by decoding references to its entries), then the malformed and hostile blocks it must refuse.
 */
class HpackDecoderTest {

  private final Http2Headers out = new Http2Headers();

  @Test
  void integerExamples_c1() {
    // C.1.1: 10 in a 5-bit prefix; C.1.2: 1337 in a 5-bit prefix (as a size update, the 5-bit user).
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(d.decode(Hex.bytes("2a"), 0, 1, out)).isEqualTo(HpackDecoder.OK);
    assertThat(d.tableMaxSize()).isEqualTo(10);
    assertThat(d.decode(Hex.bytes("3f9a0a"), 0, 3, out)).isEqualTo(HpackDecoder.OK);
    assertThat(d.tableMaxSize()).isEqualTo(1337);
    // C.1.3: 42 on an 8-bit boundary is a string length: a 42-byte literal value.
    byte[] block = new byte[2 + 1 + 1 + 42];
    block[0] = 0x00;
    block[1] = 0x01;
    block[2] = 'x';
    block[3] = 42;
    assertThat(new HpackDecoder(4096, 65536).decode(block, 0, block.length, out)).isEqualTo(HpackDecoder.OK);
    assertThat(out.valueLength(0)).isEqualTo(42);
  }

  @Test
  void literalWithIndexing_c21() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))
        .containsExactly("custom-key: custom-header");
    assertThat(d.tableSize()).isEqualTo(55);
    assertThat(decode(d, "be")).containsExactly("custom-key: custom-header");
  }

  @Test
  void literalWithoutIndexing_c22() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(decode(d, "040c 2f73 616d 706c 652f 7061 7468")).containsExactly(":path: /sample/path");
    assertThat(d.tableSize()).isZero();
    assertThat(out.isSensitive(0)).isFalse();
  }

  @Test
  void literalNeverIndexed_c23_isMarkedSensitive() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74")).containsExactly("password: secret");
    assertThat(d.tableSize()).isZero();
    assertThat(out.isSensitive(0)).isTrue();
  }

  @Test
  void indexed_c24() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(decode(d, "82")).containsExactly(":method: GET");
    assertThat(d.tableSize()).isZero();
  }

  @Test
  void requestsWithoutHuffman_c3() {
    requests(RfcVectors.C3);
  }

  @Test
  void requestsWithHuffman_c4() {
    requests(RfcVectors.C4);
  }

  private void requests(String[] blocks) {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(decode(d, blocks[0])).containsExactly(":method: GET", ":scheme: http", ":path: /",
        ":authority: www.example.com");
    assertThat(d.tableSize()).isEqualTo(57);
    assertThat(decode(d, blocks[1])).containsExactly(":method: GET", ":scheme: http", ":path: /",
        ":authority: www.example.com", "cache-control: no-cache");
    assertThat(d.tableSize()).isEqualTo(110);
    assertThat(decode(d, blocks[2])).containsExactly(":method: GET", ":scheme: https", ":path: /index.html",
        ":authority: www.example.com", "custom-key: custom-value");
    assertThat(d.tableSize()).isEqualTo(164);
    assertThat(d.tableLength()).isEqualTo(3);
    assertThat(decode(d, "bebfc0")).containsExactly("custom-key: custom-value", "cache-control: no-cache",
        ":authority: www.example.com");
  }

  @Test
  void responsesWithoutHuffman_evictingFromA256ByteTable_c5() {
    responses(RfcVectors.C5);
  }

  @Test
  void responsesWithHuffman_evictingFromA256ByteTable_c6() {
    responses(RfcVectors.C6);
  }

  private void responses(String[] blocks) {
    HpackDecoder d = new HpackDecoder(256, 65536);
    assertThat(decode(d, blocks[0])).containsExactly(":status: 302", "cache-control: private",
        "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com");
    assertThat(d.tableSize()).isEqualTo(222);
    assertThat(decode(d, "bebfc0c1")).containsExactly("location: https://www.example.com",
        "date: Mon, 21 Oct 2013 20:13:21 GMT", "cache-control: private", ":status: 302");

    assertThat(decode(d, blocks[1])).containsExactly(":status: 307", "cache-control: private",
        "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com");
    assertThat(d.tableSize()).isEqualTo(222);
    assertThat(decode(d, "be")).containsExactly(":status: 307");

    assertThat(decode(d, blocks[2])).containsExactly(":status: 200", "cache-control: private",
        "date: Mon, 21 Oct 2013 20:13:22 GMT", "location: https://www.example.com", "content-encoding: gzip",
        "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");
    assertThat(d.tableSize()).isEqualTo(215);
    assertThat(d.tableLength()).isEqualTo(3);
    assertThat(decode(d, "bebfc0")).containsExactly(
        "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", "content-encoding: gzip",
        "date: Mon, 21 Oct 2013 20:13:22 GMT");
  }

  @Test
  void index0_isRefused() {
    assertError(new HpackDecoder(4096, 65536), "80", "index 0 outside the tables");
  }

  @Test
  void indexPastTheTables_isRefused() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertError(d, "be", "index 62 outside the tables");
    assertThat(d.decode(Hex.bytes("82"), 0, 1, out)).as("a failed decoder stays failed").isEqualTo(HpackDecoder.ERROR);
    assertError(new HpackDecoder(4096, 65536), "7e 01 78", "name index 62 outside the tables");
  }

  @Test
  void integerAbove31Bits_isRefused() {
    // 127 + 0x7f + (0x7f << 7) + ... + (0x0f << 28) passes 2^31-1.
    assertError(new HpackDecoder(4096, 65536), "ff ff ff ff ff 0f", "integer above 2^31-1");
  }

  @Test
  void integerWithMoreThanFiveContinuationBytes_isRefused() {
    // A small value padded with redundant zero continuation bytes.
    assertError(new HpackDecoder(4096, 65536), "ff 80 80 80 80 80 00", "integer longer than 5 continuation bytes");
  }

  @Test
  void integerAtTheLargestValue_isAcceptedAsAnInteger() {
    // 2^31-1 as a string length: the integer is fine, the string then runs past the block.
    assertError(new HpackDecoder(4096, 65536), "00 7f 80 ff ff ff 07",
        "string of 2147483647 bytes longer than the rest of the block");
  }

  @Test
  void truncatedInteger_isRefused() {
    assertError(new HpackDecoder(4096, 65536), "ff", "integer truncated by the end of the block");
  }

  @Test
  void stringPastTheBlock_isRefused() {
    assertError(new HpackDecoder(4096, 65536), "00 05 61", "string of 5 bytes longer than the rest of the block");
    assertError(new HpackDecoder(4096, 65536), "00 01 61", "string truncated by the end of the block");
  }

  @Test
  void huffmanPaddingNotAllOnes_isRefused() {
    // Literal without indexing, new name "a" (raw), value 'a' Huffman-coded with padding 000.
    assertError(new HpackDecoder(4096, 65536), "00 01 61 81 18", "Huffman padding longer than 7 bits or not all ones");
  }

  @Test
  void huffmanPaddingLongerThan7Bits_isRefused() {
    assertError(new HpackDecoder(4096, 65536), "00 01 61 82 1f ff",
        "Huffman padding longer than 7 bits or not all ones");
  }

  @Test
  void eosInAHuffmanString_isRefused() {
    // h2spec's case: the value's Huffman code contains EOS.
    assertError(new HpackDecoder(4096, 65536), "0085f2b24a84ff874951fffffffa7f", "EOS in a Huffman-encoded string");
  }

  @Test
  void tableSizeUpdate_atTheLimit_isAccepted_andOneAbove_isRefused() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    assertThat(d.decode(Hex.bytes("3fe11f"), 0, 3, out)).isEqualTo(HpackDecoder.OK);
    assertThat(d.tableMaxSize()).isEqualTo(4096);
    assertError(new HpackDecoder(4096, 65536), "3fe21f", "dynamic table size update to 4097 above the limit 4096");
  }

  @Test
  void tableSizeUpdate_afterAField_isRefused() {
    assertError(new HpackDecoder(4096, 65536), "82 20", "dynamic table size update after a field");
  }

  @Test
  void tableSizeUpdates_twoAreAccepted_threeRefused() {
    assertThat(new HpackDecoder(4096, 65536).decode(Hex.bytes("20 3f e1 1f 82"), 0, 5, out))
        .isEqualTo(HpackDecoder.OK);
    assertError(new HpackDecoder(4096, 65536), "20 20 20 82", "more than two dynamic table size updates");
  }

  @Test
  void tableSizeUpdate_shrinkingEvictsOldestEntries() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    decode(d, RfcVectors.C3[0]);
    decode(d, RfcVectors.C3[1]);
    assertThat(d.tableLength()).isEqualTo(2);
    // 60 bytes keep only the newest entry (cache-control: no-cache, 53 bytes).
    assertThat(decode(d, "3f1d 82")).containsExactly(":method: GET");
    assertThat(d.tableLength()).isEqualTo(1);
    assertThat(decode(d, "be")).containsExactly("cache-control: no-cache");
  }

  @Test
  void lowerLimit_requiresASizeUpdateAtTheStartOfTheNextBlock() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    d.maxTableSizeLimit(100);
    assertError(d, "82", "missing dynamic table size update after the limit went down");

    HpackDecoder e = new HpackDecoder(4096, 65536);
    e.maxTableSizeLimit(100);
    assertThat(decode(e, "3f45 82")).containsExactly(":method: GET");
    assertThat(e.tableMaxSize()).isEqualTo(100);
    assertError(e, "3f46", "dynamic table size update to 101 above the limit 100");
  }

  @Test
  void raisedLimit_needsNoUpdate() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    d.maxTableSizeLimit(8192);
    assertThat(decode(d, "82")).containsExactly(":method: GET");
    assertThat(d.decode(Hex.bytes("3f e1 3f"), 0, 3, out)).isEqualTo(HpackDecoder.OK);
    assertThat(d.tableMaxSize()).isEqualTo(8192);
  }

  @Test
  void headerListAtTheLimit_isAccepted_andOneByteMore_isRefused() {
    // One field "a" with a 991-byte value: 1 + 991 + 32 = 1024.
    HpackDecoder d = new HpackDecoder(4096, 1024);
    assertThat(d.decode(literal(991), 0, literal(991).length, out)).isEqualTo(HpackDecoder.OK);
    assertThat(out.listSize()).isEqualTo(1024);
    assertThat(d.decode(literal(992), 0, literal(992).length, out)).isEqualTo(HpackDecoder.LIST_TOO_LARGE);
    assertThat(out.size()).isZero();
    assertThat(decode(d, "82")).as("the decoder goes on after a list that was too large").containsExactly(
        ":method: GET");
  }

  @Test
  void hpackBomb_smallBlockReferencingALargeEntry_isBoundedByTheListLimit() {
    // Block 1 puts one 4033-byte entry in the table; block 2 is 16,000 one-byte references to it, which
    // would decode to 64 MB.
    HpackDecoder d = new HpackDecoder(4096, 32768);
    byte[] big = new byte[3 + 1 + 3 + 4000];
    big[0] = 0x40;
    big[1] = 0x01;
    big[2] = 'x';
    big[3] = 0x7f;
    big[4] = (byte) 0xa1; // 4000 - 127 = 3873 = 0x1e21: 0xa1, 0x1e
    big[5] = 0x1e;
    java.util.Arrays.fill(big, 6, 6 + 4000, (byte) 'v');
    assertThat(d.decode(big, 0, 6 + 4000, out)).isEqualTo(HpackDecoder.OK);
    assertThat(d.tableSize()).isEqualTo(4033);
    byte[] bomb = new byte[16_000];
    java.util.Arrays.fill(bomb, (byte) 0xbe);

    assertThat(d.decode(bomb, 0, bomb.length, out)).isEqualTo(HpackDecoder.LIST_TOO_LARGE);

    assertThat(out.size()).isZero();
    assertThat(out.data.length).as("decoded bytes kept: about one list's worth").isLessThanOrEqualTo(2 * 32768);
    assertThat(decode(d, "be")).as("the table is intact").hasSize(1);
  }

  @Test
  void literalsAfterTheListLimit_stillUpdateTheTable() {
    // Two indexed literals of 600 bytes each against a 1024-byte list limit: the second one is not
    // returned, but the peer's encoder has added it, so this table must too.
    HpackDecoder d = new HpackDecoder(4096, 1024);
    byte[] one = indexedLiteral('a', 600);
    byte[] two = indexedLiteral('b', 600);
    byte[] block = new byte[one.length + two.length];
    System.arraycopy(one, 0, block, 0, one.length);
    System.arraycopy(two, 0, block, one.length, two.length);

    assertThat(d.decode(block, 0, block.length, out)).isEqualTo(HpackDecoder.LIST_TOO_LARGE);

    assertThat(d.tableLength()).isEqualTo(2);
    assertThat(decode(d, "be").get(0)).startsWith("b: ");
    assertThat(decode(d, "bf").get(0)).startsWith("a: ");
  }

  @Test
  void decodingTwice_reusesTheOutput() {
    HpackDecoder d = new HpackDecoder(4096, 65536);
    decode(d, RfcVectors.C4[0]);
    assertThat(decode(d, RfcVectors.C4[1])).hasSize(5);
  }

  /** A literal without indexing named "a" with a value of {@code n} bytes. */
  private static byte[] literal(int n) {
    byte[] b = new byte[3 + 4 + n];
    int p = 0;
    b[p++] = 0x00;
    b[p++] = 0x01;
    b[p++] = 'a';
    p = writeLength(b, p, n);
    java.util.Arrays.fill(b, p, p + n, (byte) 'v');
    return java.util.Arrays.copyOf(b, p + n);
  }

  private static byte[] indexedLiteral(char name, int n) {
    byte[] b = literal(n);
    b[0] = 0x40;
    b[2] = (byte) name;
    return b;
  }

  private static int writeLength(byte[] b, int p, int n) {
    if (n < 127) {
      b[p++] = (byte) n;
      return p;
    }
    b[p++] = 0x7f;
    int rest = n - 127;
    while (rest >= 0x80) {
      b[p++] = (byte) ((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    b[p++] = (byte) rest;
    return p;
  }

  private List<String> decode(HpackDecoder d, String hex) {
    byte[] block = Hex.bytes(hex);
    int result = d.decode(block, 0, block.length, out);
    assertThat(result).as("decode %s: %s", hex, d.errorReason()).isEqualTo(HpackDecoder.OK);
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      fields.add(out.name(i) + ": " + out.value(i));
    }
    return fields;
  }

  private void assertError(HpackDecoder d, String hex, String reason) {
    byte[] block = Hex.bytes(hex);
    assertThat(d.decode(block, 0, block.length, out)).isEqualTo(HpackDecoder.ERROR);
    assertThat(d.errorReason()).isEqualTo(reason);
  }
}
