package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoder reproduces RFC 7541 Appendix C's blocks byte for byte (it indexes what the RFC's encoder
 * indexes), signals table size changes, keeps sensitive fields out of the table, and round-trips
 * through the decoder over many blocks with evictions.
 */
class HpackEncoderTest {

  @Test
  void requestsWithoutHuffman_areTheBytesOfC3() {
    HpackEncoder e = new HpackEncoder(4096);
    e.huffman(false);
    assertRequests(e, RfcVectors.C3);
    assertThat(e.tableSize()).isEqualTo(164);
  }

  @Test
  void requestsWithHuffman_areTheBytesOfC4() {
    assertRequests(new HpackEncoder(4096), RfcVectors.C4);
  }

  @Test
  void responsesWithoutHuffman_areTheBytesOfC5() {
    HpackEncoder e = HpackEncoder.withInitialTableSize(256);
    e.huffman(false);
    assertResponses(e, RfcVectors.C5);
    assertThat(e.tableSize()).isEqualTo(215);
  }

  @Test
  void responsesWithHuffman_areTheBytesOfC6() {
    assertResponses(HpackEncoder.withInitialTableSize(256), RfcVectors.C6);
  }

  private static void assertRequests(HpackEncoder e, String[] expected) {
    assertEncodes(e, new Http2Headers().add(":method", "GET").add(":scheme", "http").add(":path", "/")
        .add(":authority", "www.example.com"), expected[0]);
    assertEncodes(e, new Http2Headers().add(":method", "GET").add(":scheme", "http").add(":path", "/")
        .add(":authority", "www.example.com").add("cache-control", "no-cache"), expected[1]);
    assertEncodes(e, new Http2Headers().add(":method", "GET").add(":scheme", "https").add(":path", "/index.html")
        .add(":authority", "www.example.com").add("custom-key", "custom-value"), expected[2]);
  }

  private static void assertResponses(HpackEncoder e, String[] expected) {
    assertEncodes(e, new Http2Headers().add(":status", "302").add("cache-control", "private")
        .add("date", "Mon, 21 Oct 2013 20:13:21 GMT").add("location", "https://www.example.com"), expected[0]);
    assertEncodes(e, new Http2Headers().add(":status", "307").add("cache-control", "private")
        .add("date", "Mon, 21 Oct 2013 20:13:21 GMT").add("location", "https://www.example.com"), expected[1]);
    assertEncodes(e, new Http2Headers().add(":status", "200").add("cache-control", "private")
        .add("date", "Mon, 21 Oct 2013 20:13:22 GMT").add("location", "https://www.example.com")
        .add("content-encoding", "gzip").add("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
        expected[2]);
  }

  private static void assertEncodes(HpackEncoder e, Http2Headers headers, String expectedHex) {
    int length = e.encode(headers);
    assertThat(Hex.of(e.buffer(), 0, length)).isEqualTo(expectedHex.replace(" ", ""));
  }

  @Test
  void credentialsAndShortCookies_areNeverIndexed_andStaySensitiveThroughADecoder() {
    HpackEncoder e = new HpackEncoder(4096);
    HpackDecoder d = new HpackDecoder(4096, 65536);
    Http2Headers in = new Http2Headers().add("authorization", "Bearer abc").add("cookie", "short=1")
        .add("cookie", "a-long-cookie-value-that-is-not-secret").addSensitive("x-token", "t");
    Http2Headers out = new Http2Headers();

    int length = e.encode(in);
    assertThat(d.decode(e.buffer(), 0, length, out)).isEqualTo(HpackDecoder.OK);

    assertThat(out.toString()).isEqualTo(in.toString());
    assertThat(out.isSensitive(0)).isTrue();
    assertThat(out.isSensitive(1)).isTrue();
    assertThat(out.isSensitive(2)).isFalse();
    assertThat(out.isSensitive(3)).isTrue();
    // Only the long cookie entered the table: 6 + 38 + 32.
    assertThat(e.tableSize()).isEqualTo(76).isEqualTo(d.tableSize());
    // Re-encoding the decoded list (a proxy forwarding it) keeps the never-indexed representation.
    length = e.encode(out);
    assertThat(e.buffer()[0] & 0xF0).as("authorization: literal never indexed").isEqualTo(0x10);
  }

  @Test
  void fieldLargerThanThreeQuartersOfTheTable_isNotIndexed() {
    HpackEncoder e = new HpackEncoder(4096);
    String big = "v".repeat(3040); // 1 + 3040 + 32 = 3073 > 3072
    e.encode(new Http2Headers().add("x", big));
    assertThat(e.tableSize()).isZero();
    e.encode(new Http2Headers().add("x", big.substring(1))); // exactly 3072
    assertThat(e.tableSize()).isEqualTo(3072);
  }

  @Test
  void capBelowTheDefault_isSignalledInTheFirstBlock() {
    HpackEncoder e = new HpackEncoder(0);
    int length = e.encode(new Http2Headers().add(":method", "GET"));
    assertThat(Hex.of(e.buffer(), 0, length)).isEqualTo("2082");
    length = e.encode(new Http2Headers().add(":method", "GET"));
    assertThat(Hex.of(e.buffer(), 0, length)).isEqualTo("82");
  }

  @Test
  void peerTableSizeChanges_signalTheSmallestThenTheFinalSize() {
    HpackEncoder e = new HpackEncoder(8192);
    e.peerMaxTableSize(100);
    e.peerMaxTableSize(8192);
    int length = e.encode(new Http2Headers().add(":method", "GET"));
    // 100 = 31 + 69, 8192 = 31 + 8161 (0xe1 0x3f).
    assertThat(Hex.of(e.buffer(), 0, length)).isEqualTo("3f45" + "3fe13f" + "82");
    e.peerMaxTableSize(1 << 30);
    assertThat(e.encode(new Http2Headers().add(":method", "GET"))).as("capped at 8192: no change").isEqualTo(1);
  }

  @Test
  void manyBlocksWithEvictions_roundTrip() {
    Random random = new Random(7541);
    HpackEncoder e = new HpackEncoder(4096);
    HpackDecoder d = new HpackDecoder(4096, 1 << 20);
    Http2Headers in = new Http2Headers();
    Http2Headers out = new Http2Headers();
    String[] names = {":path", "user-agent", "cookie", "x-request-id", "accept", "x-custom", "date", "etag"};
    for (int block = 0; block < 2000; block++) {
      in.clear();
      int fields = 1 + random.nextInt(12);
      for (int f = 0; f < fields; f++) {
        String name = random.nextInt(10) == 0 ? "x-n" + random.nextInt(50) : names[random.nextInt(names.length)];
        in.add(name, value(random));
      }
      if (block % 500 == 499) {
        e.peerMaxTableSize(random.nextInt(4097));
      }
      int length = e.encode(in);
      assertThat(d.decode(e.buffer(), 0, length, out)).as("block %d: %s", block, d.errorReason())
          .isEqualTo(HpackDecoder.OK);
      assertThat(out.toString()).isEqualTo(in.toString());
      assertThat(d.tableSize()).isEqualTo(e.tableSize());
    }
  }

  private static String value(Random random) {
    int kind = random.nextInt(4);
    if (kind == 0) {
      return "v" + random.nextInt(20);
    }
    StringBuilder s = new StringBuilder();
    int length = kind == 3 ? random.nextInt(600) : random.nextInt(40);
    for (int i = 0; i < length; i++) {
      s.append((char) (kind == 2 ? random.nextInt(256) : 0x20 + random.nextInt(95)));
    }
    return s.toString();
  }
}
