package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpErrorResponsesTest {

  @Test
  void errorResponse_isACompleteClosingResponseNamingTheReason() {
    String response = new String(HttpErrorResponses.errorResponse(431, "request header section too large"),
        StandardCharsets.UTF_8);

    assertThat(response).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 70\r\nConnection: close\r\n\r\n"
        + "431 Request Header Fields Too Large: request header section too large\n");
  }

  @Test
  void errorResponse_parsesAsAResponseWhoseLengthMatchesItsBody() {
    byte[] raw = HttpErrorResponses.errorResponse(508, "loop: request already passed lb-web");
    ResponseHeadParser parser = new ResponseHeadParser(HttpLimits.defaults());
    ByteBuffer in = ByteBuffer.wrap(raw);

    assertThat(parser.parse(in, false)).isEqualTo(ParseResult.COMPLETE);
    assertThat(parser.head().status()).isEqualTo(508);
    assertThat(parser.head().reason()).isEqualTo("Loop Detected");
    assertThat(parser.head().keepAlive()).isFalse();
    assertThat(parser.head().contentLength()).isEqualTo(in.remaining());
  }

  @Test
  void errorResponse_replacesControlCharactersInTheReason() {
    String response = new String(HttpErrorResponses.errorResponse(502, "bad\r\nX-Injected: 1"),
        StandardCharsets.UTF_8);

    assertThat(response).endsWith("502 Bad Gateway: bad??X-Injected: 1\n").doesNotContain("\r\nX-Injected");
  }

  @Test
  void errorResponse_refusesNonErrorStatuses() {
    assertThatThrownBy(() -> HttpErrorResponses.errorResponse(200, "ok"))
        .hasMessage("status must be between 400 and 599, was 200");
  }

  @Test
  void continueResponse_isTheInterimResponse() {
    ByteBuffer c = HttpErrorResponses.continueResponse();
    byte[] bytes = new byte[c.remaining()];
    c.get(bytes);

    assertThat(new String(bytes, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    assertThat(HttpErrorResponses.continueResponse().remaining()).as("each call gets its own position")
        .isEqualTo(bytes.length);
  }

  @Test
  void reasonPhrase_namesTheStatusesTheListenerUses() {
    assertThat(HttpErrorResponses.reasonPhrase(400)).isEqualTo("Bad Request");
    assertThat(HttpErrorResponses.reasonPhrase(414)).isEqualTo("URI Too Long");
    assertThat(HttpErrorResponses.reasonPhrase(417)).isEqualTo("Expectation Failed");
    assertThat(HttpErrorResponses.reasonPhrase(501)).isEqualTo("Not Implemented");
    assertThat(HttpErrorResponses.reasonPhrase(504)).isEqualTo("Gateway Timeout");
    assertThat(HttpErrorResponses.reasonPhrase(505)).isEqualTo("HTTP Version Not Supported");
    assertThat(HttpErrorResponses.reasonPhrase(599)).isEqualTo("Server Error");
  }
}
