package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseHeadParserTest {

  private final ResponseHeadParser parser = new ResponseHeadParser(HttpLimits.defaults());

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String unescape(String s) {
    return s.replace("\\r\\n", "\r\n");
  }

  @Test
  void parse_readsStatusReasonAndFields() {
    ByteBuffer in = bytes("HTTP/1.1 201 Created\r\nSet-Cookie: s=1\r\nContent-Length: 2\r\n\r\nok");

    assertThat(parser.parse(in, false)).isEqualTo(ParseResult.COMPLETE);

    ResponseHead head = parser.head();
    assertThat(head.status()).isEqualTo(201);
    assertThat(head.reason()).isEqualTo("Created");
    assertThat(head.firstValue("set-cookie")).isEqualTo("s=1");
    assertThat(head.framing()).isEqualTo(BodyFraming.CONTENT_LENGTH);
    assertThat(head.contentLength()).isEqualTo(2);
    assertThat(head.keepAlive()).isTrue();
    assertThat(in.remaining()).isEqualTo(2);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // response | request was HEAD | framing | reusable
      "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\n|false|CONTENT_LENGTH|true",
      "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\n|true|NONE|true",
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|true|NONE|true",
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|false|CHUNKED|true",
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n|false|UNTIL_CLOSE|false",
      "HTTP/1.1 200 OK\\r\\n\\r\\n|false|UNTIL_CLOSE|false",
      "HTTP/1.1 204 No Content\\r\\n\\r\\n|false|NONE|true",
      "HTTP/1.1 304 Not Modified\\r\\nContent-Length: 99\\r\\n\\r\\n|false|NONE|true",
      "HTTP/1.1 100 Continue\\r\\n\\r\\n|false|NONE|true",
      "HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: upgrade\\r\\n\\r\\n|false|NONE|true",
      "HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n|false|CONTENT_LENGTH|false",
      "HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\n|false|CONTENT_LENGTH|false",
      "HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\nConnection: keep-alive\\r\\n\\r\\n|false|CONTENT_LENGTH|true",
      "HTTP/1.1 200\\r\\nContent-Length: 3\\r\\n\\r\\n|false|CONTENT_LENGTH|true",
      "HTTP/1.1 404 \\r\\nContent-Length: 3, 3\\r\\n\\r\\n|false|CONTENT_LENGTH|true",
  })
  void parse_decidesFramingByRfc9112Section6_3(String response, boolean requestWasHead, BodyFraming framing,
      boolean reusable) {
    assertThat(parser.parse(bytes(unescape(response)), requestWasHead)).isEqualTo(ParseResult.COMPLETE);

    assertThat(parser.head().framing()).isEqualTo(framing);
    assertThat(parser.head().keepAlive()).isEqualTo(reusable);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|both Content-Length and Transfer-Encoding",
      "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\n|conflicting Content-Length values",
      "HTTP/1.1 200 OK\\r\\nContent-Length: -5\\r\\n\\r\\n|invalid Content-Length",
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n|chunked applied more than once",
      "HTTP/1.0 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|Transfer-Encoding in an HTTP/1.0 response",
      "HTTP/1.1 200 OK\\r\\nX : y\\r\\n\\r\\n|whitespace between field name and colon",
      "HTTP/1.1 200 OK\\r\\nX: y\\r\\n z\\r\\n\\r\\n|obs-fold or whitespace before a field line",
      "HTTP/1.1 200 OK\\r\\nConnection: content-length\\r\\n\\r\\n|Connection names Host, Content-Length or Transfer-Encoding",
      "HTTP/1.1 2000 OK\\r\\n\\r\\n|invalid status line",
      "HTTP/1.1 099 Low\\r\\n\\r\\n|invalid status code",
      "HTTP/1.1 600 High\\r\\n\\r\\n|invalid status code",
      "HTTP/2.0 200 OK\\r\\n\\r\\n|invalid status line",
      "http/1.1 200 OK\\r\\n\\r\\n|invalid status line",
      "HTTP/1.1 20x OK\\r\\n\\r\\n|invalid status line",
      "HTTP/1.1  200 OK\\r\\n\\r\\n|invalid status line",
      "ICY 200 OK\\r\\n\\r\\n|invalid status line",
  })
  void parse_malformedResponseIs502(String response, String reason) {
    assertThat(parser.parse(bytes(unescape(response)), false)).isEqualTo(ParseResult.ERROR);

    assertThat(parser.errorStatus()).isEqualTo(502);
    assertThat(parser.errorReason()).isEqualTo("malformed response: " + reason);
  }

  @Test
  void parse_bareLfAndBareCrAndControlCharactersAre502() {
    assertThat(parser.parse(bytes("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), false)).isEqualTo(ParseResult.ERROR);
    assertThat(parser.errorReason()).isEqualTo("malformed response: bare LF in response head");
    parser.reset();
    assertThat(parser.parse(bytes("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), false)).isEqualTo(ParseResult.ERROR);
    assertThat(parser.errorReason()).isEqualTo("malformed response: bare CR in response head");
    parser.reset();
    assertThat(parser.parse(bytes("HTTP/1.1 200 O\0K\r\n\r\n"), false)).isEqualTo(ParseResult.ERROR);
    assertThat(parser.errorReason()).isEqualTo("malformed response: control character in reason phrase");
  }

  @Test
  void responseHead_exactlyAtTheLimitPasses_oneMoreIs502() {
    HttpLimits limits = HttpLimits.builder().maxResponseHeadBytes(1024).build();
    String fixed = "HTTP/1.1 200 OK\r\nX: \r\n\r\n";
    String atLimit = "HTTP/1.1 200 OK\r\nX: " + "v".repeat(1024 - fixed.length()) + "\r\n\r\n";
    assertThat(atLimit).hasSize(1024);

    ResponseHeadParser p = new ResponseHeadParser(limits);
    assertThat(p.parse(bytes(atLimit), false)).isEqualTo(ParseResult.COMPLETE);

    ResponseHeadParser q = new ResponseHeadParser(limits);
    assertThat(q.parse(bytes(atLimit.replace("X: ", "X: w")), false)).isEqualTo(ParseResult.ERROR);
    assertThat(q.errorStatus()).isEqualTo(502);
    assertThat(q.errorReason()).isEqualTo("malformed response: response head too large");
  }

  @Test
  void responseFieldCount_exactlyAtTheLimitPasses_oneMoreIs502() {
    HttpLimits limits = HttpLimits.builder().maxFieldCount(2).build();

    ResponseHeadParser p = new ResponseHeadParser(limits);
    assertThat(p.parse(bytes("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n"), false)).isEqualTo(ParseResult.COMPLETE);

    ResponseHeadParser q = new ResponseHeadParser(limits);
    assertThat(q.parse(bytes("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), false)).isEqualTo(ParseResult.ERROR);
    assertThat(q.errorReason()).isEqualTo("malformed response: too many response header fields");
  }

  @Test
  void interimResponse_thenFinalResponseOnTheSameConnection() {
    ByteBuffer in = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");

    assertThat(parser.parse(in, false)).isEqualTo(ParseResult.COMPLETE);
    assertThat(parser.head().isInterim()).isTrue();
    assertThat(parser.head().isSwitchingProtocols()).isFalse();
    parser.reset();
    assertThat(parser.parse(in, false)).isEqualTo(ParseResult.COMPLETE);
    assertThat(parser.head().status()).isEqualTo(200);
    assertThat(parser.head().isInterim()).isFalse();
    assertThat(in.remaining()).isEqualTo(1);
  }

  @Test
  void switchingProtocols_isNotInterim() {
    parser.parse(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), false);

    assertThat(parser.head().isSwitchingProtocols()).isTrue();
    assertThat(parser.head().isInterim()).isFalse();
  }

  @Test
  void parse_sameResultAtEverySplitPoint() {
    String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b; Path=/\r\n\r\n0\r\n\r\n";
    byte[] raw = response.getBytes(StandardCharsets.ISO_8859_1);
    int headLength = response.indexOf("\r\n\r\n") + 4;

    for (int split = 0; split <= raw.length; split++) {
      ResponseHeadParser p = new ResponseHeadParser(HttpLimits.defaults());
      ByteBuffer first = ByteBuffer.wrap(raw, 0, split);
      ParseResult r = p.parse(first, false);
      int consumed = first.position();
      if (r == ParseResult.NEED_MORE) {
        ByteBuffer second = ByteBuffer.wrap(raw, split, raw.length - split);
        r = p.parse(second, false);
        consumed = second.position();
      }
      assertThat(r).as("split at %d", split).isEqualTo(ParseResult.COMPLETE);
      assertThat(consumed).isEqualTo(headLength);
      assertThat(p.head().framing()).isEqualTo(BodyFraming.CHUNKED);
      assertThat(p.head().firstValue("Set-Cookie")).isEqualTo("a=b; Path=/");
    }
  }
}
