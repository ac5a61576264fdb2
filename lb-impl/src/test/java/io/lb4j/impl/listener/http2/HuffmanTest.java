package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HuffmanTest {

  @Test
  void derivedCanonicalCodes_matchRfc7541AppendixB() {
    // A sample of Appendix B rows, from the shortest codes to EOS.
    assertThat(Huffman.CODES['0']).isEqualTo(0x0);
    assertThat(Huffman.length('0')).isEqualTo(5);
    assertThat(Huffman.CODES['a']).isEqualTo(0x3);
    assertThat(Huffman.CODES[' ']).isEqualTo(0x14);
    assertThat(Huffman.length(' ')).isEqualTo(6);
    assertThat(Huffman.CODES['&']).isEqualTo(0xf8);
    assertThat(Huffman.CODES[0]).isEqualTo(0x1ff8);
    assertThat(Huffman.length(0)).isEqualTo(13);
    assertThat(Huffman.CODES[10]).isEqualTo(0x3ffffffc);
    assertThat(Huffman.CODES[255]).isEqualTo(0x3ffffee);
    assertThat(Huffman.length(255)).isEqualTo(26);
    assertThat(Huffman.CODES[Huffman.EOS]).isEqualTo(0x3fffffff);
    assertThat(Huffman.length(Huffman.EOS)).isEqualTo(30);
  }

  @Test
  void code_isCompletePrefixCode() {
    // Kraft's equality: a complete prefix code's 2^-length sum to exactly one.
    long sum = 0;
    for (int sym = 0; sym <= Huffman.EOS; sym++) {
      sum += 1L << (30 - Huffman.length(sym));
    }
    assertThat(sum).isEqualTo(1L << 30);
  }

  @Test
  void encode_producesRfc7541AppendixCStrings() {
    assertThat(encodeHex("www.example.com")).isEqualTo("f1e3c2e5f23a6ba0ab90f4ff");
    assertThat(encodeHex("no-cache")).isEqualTo("a8eb10649cbf");
    assertThat(encodeHex("custom-key")).isEqualTo("25a849e95ba97d7f");
    assertThat(encodeHex("custom-value")).isEqualTo("25a849e95bb8e8b4bf");
    assertThat(encodeHex("302")).isEqualTo("6402");
    assertThat(encodeHex("307")).isEqualTo("640eff");
    assertThat(encodeHex("Mon, 21 Oct 2013 20:13:21 GMT"))
        .isEqualTo("d07abe941054d444a8200595040b8166e082a62d1bff");
  }

  @Test
  void everyByteValue_roundTrips() {
    byte[] all = new byte[256 * 3];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) (i * 7);
    }
    byte[] encoded = new byte[Huffman.encodedLength(all, 0, all.length)];
    assertThat(Huffman.encode(all, 0, all.length, encoded, 0)).isEqualTo(encoded.length);

    byte[] decoded = new byte[Huffman.maxDecodedLength(encoded.length)];
    int end = Huffman.decode(encoded, 0, encoded.length, decoded, 0);

    assertThat(end).isEqualTo(all.length);
    assertThat(java.util.Arrays.copyOf(decoded, end)).isEqualTo(all);
  }

  @Test
  void decode_acceptsPaddingOfUpToSevenOnes() {
    // 'a' is 00011: three bits of padding.
    assertThat(decode("1f")).isEqualTo("a");
    // "0" then "a" uses 10 bits; 6 bits of ones pad to two bytes.
    assertThat(decode("00 ff")).isEqualTo("0a"); // 00000 00011 111111
    // "aa000" takes 25 bits: 00011 00011 00000 00000 00000, then seven ones.
    assertThat(decode("18 c0 00 7f")).isEqualTo("aa000");
    assertThat(decode("")).isEmpty();
  }

  @Test
  void decode_refusesPaddingThatIsNotAllOnes() {
    // 'a' (00011) then 000 instead of 111.
    assertThat(Huffman.decode(Hex.bytes("18"), 0, 1, new byte[8], 0)).isEqualTo(Huffman.ERROR_PADDING);
    // 'a' then 110.
    assertThat(Huffman.decode(Hex.bytes("1e"), 0, 1, new byte[8], 0)).isEqualTo(Huffman.ERROR_PADDING);
  }

  @Test
  void decode_refusesPaddingLongerThanSevenBits() {
    // 'a' then 11 ones: a whole byte of padding too many.
    assertThat(Huffman.decode(Hex.bytes("1f ff"), 0, 2, new byte[8], 0)).isEqualTo(Huffman.ERROR_PADDING);
    // Eight ones alone.
    assertThat(Huffman.decode(Hex.bytes("ff"), 0, 1, new byte[8], 0)).isEqualTo(Huffman.ERROR_PADDING);
  }

  @Test
  void decode_refusesEosInsideTheString() {
    // 30 ones are EOS, then two more bits of padding.
    assertThat(Huffman.decode(Hex.bytes("ff ff ff ff"), 0, 4, new byte[8], 0)).isEqualTo(Huffman.ERROR_EOS);
    // 'a', EOS, then padding.
    byte[] aThenEos = Hex.bytes("1f ff ff ff fc"); // 00011 + 30 ones + 00 is not padding: EOS is found first
    assertThat(Huffman.decode(aThenEos, 0, aThenEos.length, new byte[8], 0)).isEqualTo(Huffman.ERROR_EOS);
  }

  private static String encodeHex(String s) {
    byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
    byte[] dst = new byte[Huffman.encodedLength(src, 0, src.length)];
    Huffman.encode(src, 0, src.length, dst, 0);
    return Hex.of(dst, 0, dst.length);
  }

  private static String decode(String hex) {
    byte[] src = Hex.bytes(hex);
    byte[] dst = new byte[Huffman.maxDecodedLength(src.length)];
    int end = Huffman.decode(src, 0, src.length, dst, 0);
    assertThat(end).as("decoded %s", hex).isGreaterThanOrEqualTo(0);
    return new String(dst, 0, end, StandardCharsets.ISO_8859_1);
  }
}
