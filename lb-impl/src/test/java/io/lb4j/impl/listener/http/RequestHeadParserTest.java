package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestHeadParserTest {

  private final RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void parse_readsRequestLineFieldsAndStopsAtTheBody() {
    ByteBuffer in = bytes("POST /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 5\r\n"
        + "Cookie: a=1\r\nCookie: b=2\r\n\r\nhello");

    assertThat(parser.parse(in)).isEqualTo(ParseResult.COMPLETE);

    RequestHead head = parser.head();
    assertThat(head.method()).isEqualTo("POST");
    assertThat(head.target()).isEqualTo("/a/b?x=1");
    assertThat(head.host()).isEqualTo("example.com:8080");
    assertThat(head.isHttp11()).isTrue();
    assertThat(head.keepAlive()).isTrue();
    assertThat(head.framing()).isEqualTo(BodyFraming.CONTENT_LENGTH);
    assertThat(head.contentLength()).isEqualTo(5);
    assertThat(head.cookieHeader()).isEqualTo("a=1; b=2");
    assertThat(head.fieldCount()).isEqualTo(4);
    assertThat(head.fieldName(1)).isEqualTo("Content-Length");
    assertThat(head.fieldValue(1)).isEqualTo("5");
    assertThat(in.remaining()).isEqualTo(5);
  }

  @Test
  void parse_refusesBothContentLengthAndTransferEncoding() {
    ByteBuffer in = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");

    assertThat(parser.parse(in)).isEqualTo(ParseResult.ERROR);
    assertThat(parser.errorStatus()).isEqualTo(400);
    assertThat(parser.errorReason()).isEqualTo("both Content-Length and Transfer-Encoding");
  }
}
