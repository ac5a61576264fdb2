package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyScannerTest {

  private final BodyScanner scanner = new BodyScanner(HttpLimits.defaults());

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Scans {@code body} in pieces of {@code pieceSize}; returns the bytes the scanner claimed. */
  private static int scanInPieces(BodyScanner s, byte[] body, int pieceSize) {
    int claimed = 0;
    for (int offset = 0; offset < body.length && !s.isComplete() && !s.isError(); offset += pieceSize) {
      ByteBuffer piece = ByteBuffer.wrap(body, offset, Math.min(pieceSize, body.length - offset));
      int position = piece.position();
      int n = s.scan(piece);
      assertThat(piece.position()).as("scan does not move the position").isEqualTo(position);
      claimed += n;
    }
    return claimed;
  }

  @Test
  void contentLength_countsDownAcrossBuffersAndLeavesTheNextMessage() {
    scanner.start(BodyFraming.CONTENT_LENGTH, 7);

    assertThat(scanner.scan(bytes("hell"))).isEqualTo(4);
    assertThat(scanner.isComplete()).isFalse();
    assertThat(scanner.remaining()).isEqualTo(3);
    assertThat(scanner.scan(bytes("o!!GET / HTTP/1.1"))).isEqualTo(3);
    assertThat(scanner.isComplete()).isTrue();
    assertThat(scanner.scan(bytes("more"))).isZero();
  }

  @Test
  void emptyBodies_areCompleteAtOnce() {
    scanner.start(BodyFraming.CONTENT_LENGTH, 0);
    assertThat(scanner.isComplete()).isTrue();
    assertThat(scanner.scan(bytes("GET"))).isZero();

    scanner.start(BodyFraming.NONE, -1);
    assertThat(scanner.isComplete()).isTrue();
    assertThat(scanner.scan(bytes("GET"))).isZero();
  }

  @Test
  void untilClose_takesEverythingAndEndsAtEndOfInput() {
    scanner.start(BodyFraming.UNTIL_CLOSE, -1);

    assertThat(scanner.scan(bytes("abc"))).isEqualTo(3);
    assertThat(scanner.isComplete()).isFalse();
    scanner.endOfInput();
    assertThat(scanner.isComplete()).isTrue();
    assertThat(scanner.isError()).isFalse();
  }

  @Test
  void endOfInput_beforeTheEndOfALengthOrChunkedBodyIsAnError() {
    scanner.start(BodyFraming.CONTENT_LENGTH, 10);
    scanner.scan(bytes("abc"));
    scanner.endOfInput();
    assertThat(scanner.isError()).isTrue();
    assertThat(scanner.errorReason()).isEqualTo("connection closed before the end of the body");

    scanner.start(BodyFraming.CHUNKED, -1);
    assertThat(scanner.isError()).isFalse();
    scanner.scan(bytes("5\r\nab"));
    scanner.endOfInput();
    assertThat(scanner.isError()).isTrue();
    assertThat(scanner.errorStatus()).isEqualTo(400);
  }

  @Test
  void start_refusesNegativeContentLength() {
    assertThatThrownBy(() -> scanner.start(BodyFraming.CONTENT_LENGTH, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("contentLength must be between 0 and 9223372036854775807, was -1");
  }

  @Test
  void chunked_walksSizesExtensionsDataAndTrailers_atEverySplit() {
    String body = "5\r\nhello\r\n"
        + "A;name=token;q=\"quoted \\\" value\" ; flag\r\n0123456789\r\n"
        + "1b ;x=y\r\nabcdefghijklmnopqrstuvwxyz!\r\n"
        + "000\r\nTrailer-One: 1\r\nTrailer-Two: a b\r\n\r\n";
    byte[] raw = (body + "GET /next HTTP/1.1\r\n").getBytes(StandardCharsets.ISO_8859_1);

    for (int pieceSize = 1; pieceSize <= raw.length; pieceSize++) {
      BodyScanner s = new BodyScanner(HttpLimits.defaults());
      s.start(BodyFraming.CHUNKED, -1);
      int claimed = scanInPieces(s, raw, pieceSize);
      assertThat(s.isError()).as("pieces of %d: %s", pieceSize, s.errorReason()).isFalse();
      assertThat(s.isComplete()).as("pieces of %d", pieceSize).isTrue();
      assertThat(claimed).as("pieces of %d", pieceSize).isEqualTo(body.length());
    }
  }

  @Test
  void chunked_twoPiecesAtEverySplitPoint() {
    byte[] raw = "3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    for (int split = 0; split <= raw.length; split++) {
      BodyScanner s = new BodyScanner(HttpLimits.defaults());
      s.start(BodyFraming.CHUNKED, -1);
      int first = s.scan(ByteBuffer.wrap(raw, 0, split));
      int second = s.isComplete() ? 0 : s.scan(ByteBuffer.wrap(raw, split, raw.length - split));
      assertThat(s.isComplete()).as("split at %d", split).isTrue();
      assertThat(first + second).isEqualTo(raw.length);
    }
  }

  @Test
  void chunked_largestSizeIsAccepted_oneMoreIsRefused() {
    scanner.start(BodyFraming.CHUNKED, -1);
    assertThat(scanner.scan(bytes("7fffffffffffffff\r\nabc"))).isEqualTo(21);
    assertThat(scanner.isError()).isFalse();
    assertThat(scanner.isComplete()).isFalse();

    scanner.start(BodyFraming.CHUNKED, -1);
    scanner.scan(bytes("8000000000000000\r\n"));
    assertThat(scanner.isError()).isTrue();
    assertThat(scanner.errorReason()).isEqualTo("chunk size too large");
  }

  @Test
  void chunkSizeLine_exactlyAtTheLimitPasses_oneMoreIs400() {
    HttpLimits limits = HttpLimits.builder().maxChunkSizeLineLength(16).build();
    String atLimit = "1;e=" + "x".repeat(12);
    assertThat(atLimit).hasSize(16);

    BodyScanner s = new BodyScanner(limits);
    s.start(BodyFraming.CHUNKED, -1);
    s.scan(bytes(atLimit + "\r\na\r\n0\r\n\r\n"));
    assertThat(s.isComplete()).isTrue();

    s.start(BodyFraming.CHUNKED, -1);
    int claimed = s.scan(bytes(atLimit + "x\r\na\r\n0\r\n\r\n"));
    assertThat(s.isError()).isTrue();
    assertThat(s.errorStatus()).isEqualTo(400);
    assertThat(s.errorReason()).isEqualTo("chunk-size line too long");
    assertThat(claimed).as("bytes before the offending one").isEqualTo(16);
  }

  @Test
  void trailerSection_exactlyAtTheLimitPasses_oneMoreIs431() {
    HttpLimits limits = HttpLimits.builder().maxTrailerSectionBytes(64).build();
    String fixed = "T: \r\n\r\n";
    String atLimit = "T: " + "v".repeat(64 - fixed.length()) + "\r\n\r\n";
    assertThat(atLimit).hasSize(64);

    BodyScanner s = new BodyScanner(limits);
    s.start(BodyFraming.CHUNKED, -1);
    assertThat(s.scan(bytes("0\r\n" + atLimit))).isEqualTo(3 + 64);
    assertThat(s.isComplete()).isTrue();

    s.start(BodyFraming.CHUNKED, -1);
    s.scan(bytes("0\r\n" + atLimit.replace("T: ", "T: w")));
    assertThat(s.isError()).isTrue();
    assertThat(s.errorStatus()).isEqualTo(431);
    assertThat(s.errorReason()).isEqualTo("trailer section too large");
  }

  @Test
  void trailerFieldCount_exactlyAtTheLimitPasses_oneMoreIs431() {
    HttpLimits limits = HttpLimits.builder().maxFieldCount(2).build();
    BodyScanner s = new BodyScanner(limits);

    s.start(BodyFraming.CHUNKED, -1);
    s.scan(bytes("0\r\nA: 1\r\nB: 2\r\n\r\n"));
    assertThat(s.isComplete()).isTrue();

    s.start(BodyFraming.CHUNKED, -1);
    s.scan(bytes("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"));
    assertThat(s.errorStatus()).isEqualTo(431);
    assertThat(s.errorReason()).isEqualTo("too many trailer fields");
  }

  @Test
  void chunkExtensions_whitespaceRules() {
    String[] accepted = {"1 ;a\r\nx\r\n0\r\n\r\n", "1;a = b\r\nx\r\n0\r\n\r\n", "1;a;b=\"\"\r\nx\r\n0\r\n\r\n",
        "1;a=b ;c\r\nx\r\n0\r\n\r\n"};
    for (String body : accepted) {
      scanner.start(BodyFraming.CHUNKED, -1);
      scanner.scan(bytes(body));
      assertThat(scanner.isComplete()).as(body).isTrue();
    }
    String[] refused = {"1;a \r\nx\r\n0\r\n\r\n", "1;a=b \r\nx\r\n0\r\n\r\n", "1;a=\r\nx\r\n0\r\n\r\n",
        "1;\r\nx\r\n0\r\n\r\n", "1;a=\"b\r\nx\r\n0\r\n\r\n", "1;a=b=c\r\nx\r\n0\r\n\r\n"};
    for (String body : refused) {
      scanner.start(BodyFraming.CHUNKED, -1);
      scanner.scan(bytes(body));
      assertThat(scanner.isError()).as(body).isTrue();
      assertThat(scanner.errorStatus()).isEqualTo(400);
    }
  }

  @Test
  void trailers_mayCarryFieldsWhoseNamesOnlyResembleTheForbiddenOnes() {
    for (String name : new String[] {"Content-Lengthy", "Content-Lengt", "Hostname", "Hos", "X-Host",
        "Transfer-Encodings", "Checksum"}) {
      scanner.start(BodyFraming.CHUNKED, -1);
      scanner.scan(bytes("0\r\n" + name + ": 1\r\n\r\n"));
      assertThat(scanner.isComplete()).as(name).isTrue();
    }
  }

  @Test
  void scanAfterError_claimsNothing() {
    scanner.start(BodyFraming.CHUNKED, -1);
    assertThat(scanner.scan(bytes("zz"))).isZero();
    assertThat(scanner.isError()).isTrue();
    assertThat(scanner.scan(bytes("5\r\nhello\r\n0\r\n\r\n"))).isZero();
  }

  /** De-chunks {@code body} fed in pieces of {@code pieceSize}; returns the chunk data, as a client would get it. */
  private static String decodeInPieces(BodyScanner s, byte[] body, int pieceSize) {
    StringBuilder data = new StringBuilder();
    ByteBuffer in = ByteBuffer.allocate(body.length);
    in.flip();
    for (int offset = 0; offset < body.length && !s.isComplete() && !s.isError(); ) {
      int n = Math.min(pieceSize, body.length - offset);
      in.compact().put(body, offset, n).flip();
      offset += n;
      for (int claimed = s.scanDecoded(in); claimed > 0; claimed = s.scanDecoded(in)) {
        for (int k = 0; k < claimed; k++) {
          data.append((char) in.get()); // the caller consumes the data bytes it was given
        }
      }
    }
    return data.toString();
  }

  @Test
  void scanDecoded_yieldsChunkDataOnly_atEverySplit() {
    byte[] body = ("5;ext=\"v\"\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT")
        .getBytes(StandardCharsets.ISO_8859_1);
    for (int piece = 1; piece <= body.length; piece++) {
      BodyScanner s = new BodyScanner(HttpLimits.defaults());
      s.start(BodyFraming.CHUNKED, -1);
      assertThat(decodeInPieces(s, body, piece)).as("pieces of %d", piece).isEqualTo("hello 0123456789");
      assertThat(s.isComplete()).isTrue();
      assertThat(s.isError()).isFalse();
    }
  }

  @Test
  void scanDecoded_leavesTheNextMessage_andReportsMalformedFraming() {
    scanner.start(BodyFraming.CHUNKED, -1);
    ByteBuffer in = bytes("0\r\n\r\nHTTP/1.1 200 OK");
    assertThat(scanner.scanDecoded(in)).isZero();
    assertThat(scanner.isComplete()).isTrue();
    assertThat(in.position()).isEqualTo(5); // the next response starts here, unread

    scanner.start(BodyFraming.CHUNKED, -1);
    ByteBuffer bad = bytes("3\r\nabcX");
    assertThat(scanner.scanDecoded(bad)).isEqualTo(3);
    bad.position(bad.position() + 3);
    assertThat(scanner.scanDecoded(bad)).isZero();
    assertThat(scanner.isError()).isTrue();
    assertThat(scanner.errorReason()).isEqualTo("chunk data not followed by CRLF");
  }

  @Test
  void scanDecoded_onOtherFramings_isScan() {
    scanner.start(BodyFraming.CONTENT_LENGTH, 3);
    ByteBuffer in = bytes("abcdef");
    assertThat(scanner.scanDecoded(in)).isEqualTo(3);
    assertThat(in.position()).isZero();
    assertThat(scanner.isComplete()).isTrue();
  }
}
