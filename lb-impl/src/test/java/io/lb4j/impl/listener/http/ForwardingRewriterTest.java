package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardingRewriterTest {

  private final ForwardingRewriter rewriter = new ForwardingRewriter("lb-web", false, 8080);

  private static RequestHead request(String raw) {
    RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());
    ParseResult result = parser.parse(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1)));
    assertThat(result).as(parser.errorReason()).isEqualTo(ParseResult.COMPLETE);
    return parser.head();
  }

  private static ResponseHead response(String raw, boolean requestWasHead) {
    ResponseHeadParser parser = new ResponseHeadParser(HttpLimits.defaults());
    ParseResult result = parser.parse(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1)), requestWasHead);
    assertThat(result).as(parser.errorReason()).isEqualTo(ParseResult.COMPLETE);
    return parser.head();
  }

  private String rewrite(RequestHead head, String hostIfAbsent) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    int written = rewriter.writeRequest(head, "127.0.0.9", hostIfAbsent, out);
    assertThat(written).isEqualTo(out.position());
    return new String(out.array(), 0, written, StandardCharsets.ISO_8859_1);
  }

  private String rewrite(ResponseHead head, boolean clientHttp10, boolean closeClient, String setCookie) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    int written = rewriter.writeResponse(head, clientHttp10, closeClient, setCookie, out);
    assertThat(written).isEqualTo(out.position());
    return new String(out.array(), 0, written, StandardCharsets.ISO_8859_1);
  }

  @Test
  void writeRequest_removesHopByHopAndConnectionNamedFields_andAddsForwardingFields() {
    RequestHead head = request("POST /p?q=1 HTTP/1.1\r\nHost: a.example\r\nConnection: keep-alive, X-Secret\r\n"
        + "Keep-Alive: timeout=5\r\nX-Secret: s\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\n"
        + "Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nX-Forwarded-For: 10.0.0.1\r\n"
        + "X-Forwarded-For: 10.0.0.2, 10.0.0.3\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n"
        + "X-Forwarded-Port: 1\r\nContent-Length: 3, 3\r\nVia: 1.1 other\r\nAccept:   */*  \r\n\r\n");

    assertThat(rewrite(head, "ignored:1")).isEqualTo("POST /p?q=1 HTTP/1.1\r\nHost: a.example\r\n"
        + "Via: 1.1 other\r\nAccept: */*\r\nContent-Length: 3\r\n"
        + "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 127.0.0.9\r\nX-Forwarded-Proto: http\r\n"
        + "X-Forwarded-Port: 8080\r\nX-Real-IP: 127.0.0.9\r\nVia: 1.1 lb-web\r\n\r\n");
  }

  @Test
  void writeRequest_keepsChunkedFramingAndCookies() {
    RequestHead head = request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
        + "Cookie: LB=x\r\n\r\n");

    assertThat(rewrite(head, null)).isEqualTo("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
        + "Cookie: LB=x\r\nX-Forwarded-For: 127.0.0.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n"
        + "X-Real-IP: 127.0.0.9\r\nVia: 1.1 lb-web\r\n\r\n");
  }

  @Test
  void writeRequest_http10StaysHttp10_getsAHostAndAsksForKeepAlive() {
    RequestHead head = request("GET /old HTTP/1.0\r\n\r\n");

    assertThat(rewrite(head, "10.1.1.1:9000")).isEqualTo("GET /old HTTP/1.0\r\nHost: 10.1.1.1:9000\r\n"
        + "X-Forwarded-For: 127.0.0.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n"
        + "X-Real-IP: 127.0.0.9\r\nVia: 1.0 lb-web\r\nConnection: keep-alive\r\n\r\n");
  }

  @Test
  void writeRequest_upgradeKeepsUpgradeAndAsksForIt() {
    RequestHead head = request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        + "Sec-WebSocket-Key: k\r\n\r\n");

    String out = rewrite(head, null);

    assertThat(out).contains("\r\nUpgrade: websocket\r\n").contains("\r\nSec-WebSocket-Key: k\r\n")
        .endsWith("Via: 1.1 lb-web\r\nConnection: upgrade\r\n\r\n");
  }

  @Test
  void writeRequest_httpsListenerSaysHttps() {
    ForwardingRewriter tls = new ForwardingRewriter("edge", true, 443);
    ByteBuffer out = ByteBuffer.allocate(1024);

    tls.writeRequest(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "::1", null, out);

    assertThat(new String(out.array(), 0, out.position(), StandardCharsets.ISO_8859_1))
        .contains("X-Forwarded-For: ::1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Real-IP: ::1\r\n")
        .contains("Via: 1.1 edge\r\n");
  }

  @Test
  void writeRequest_outputParsesAgainWithTheSameMeaning() {
    RequestHead head = request("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n"
        + "Connection: close\r\n\r\n");

    RequestHead again = request(rewrite(head, null));

    assertThat(again.method()).isEqualTo("PUT");
    assertThat(again.target()).isEqualTo("/x");
    assertThat(again.contentLength()).isEqualTo(10);
    assertThat(again.expectsContinue()).isTrue();
    assertThat(again.keepAlive()).as("the client's close is not the backend connection's").isTrue();
    assertThat(rewriter.isLoop(again)).isTrue();
  }

  @Test
  void writeRequest_tooSmallBufferWritesNothing() {
    RequestHead head = request("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ByteBuffer small = ByteBuffer.allocate(40);
    small.put((byte) 'z');

    assertThat(rewriter.writeRequest(head, "127.0.0.1", null, small)).isEqualTo(-1);
    assertThat(small.position()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1 lb-web", "1.0 other, 1.1 LB-WEB (lb4j)", "HTTP/1.1 lb-web", " 1.1  lb-web  , 1.0 x"})
  void isLoop_findsThisListenersViaId(String via) {
    assertThat(rewriter.isLoop(request("GET / HTTP/1.1\r\nHost: a\r\nVia: " + via + "\r\n\r\n"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1 lb-web2", "1.1 other", "1.1 x-lb-web", "lb-web"})
  void isLoop_ignoresOtherIds(String via) {
    assertThat(rewriter.isLoop(request("GET / HTTP/1.1\r\nHost: a\r\nVia: " + via + "\r\n\r\n"))).isFalse();
  }

  @Test
  void isLoop_looksAtEveryViaLine() {
    assertThat(rewriter.isLoop(request("GET / HTTP/1.1\r\nHost: a\r\nVia: 1.1 a\r\nVia: 1.1 lb-web\r\n\r\n")))
        .isTrue();
    assertThat(rewriter.isLoop(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))).isFalse();
  }

  @Test
  void writeResponse_removesHopByHop_keepsFraming_addsViaAndCookie() {
    ResponseHead head = response("HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: t=5\r\n"
        + "Proxy-Authenticate: Basic\r\nTransfer-Encoding: chunked\r\nSet-Cookie: b=1\r\n\r\n", false);

    assertThat(rewrite(head, false, false, "LB=abc; Path=/; HttpOnly")).isEqualTo("HTTP/1.1 200 OK\r\n"
        + "Transfer-Encoding: chunked\r\nSet-Cookie: b=1\r\nSet-Cookie: LB=abc; Path=/; HttpOnly\r\n"
        + "Via: 1.1 lb-web\r\n\r\n");
  }

  @Test
  void writeResponse_connectionDecisionIsTheProxys() {
    ResponseHead head = response("HTTP/1.0 404 Not Found\r\nContent-Length: 2, 2\r\n\r\n", false);

    assertThat(rewrite(head, false, true, null)).isEqualTo("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n"
        + "Via: 1.0 lb-web\r\nConnection: close\r\n\r\n");
    assertThat(rewrite(head, true, false, null)).isEqualTo("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n"
        + "Via: 1.0 lb-web\r\nConnection: keep-alive\r\n\r\n");
  }

  @Test
  void writeResponse_headResponseKeepsItsContentLength_emptyReasonGetsItsSpace() {
    ResponseHead head = response("HTTP/1.1 200\r\nContent-Length: 1234\r\n\r\n", true);

    assertThat(rewrite(head, false, false, null)).isEqualTo("HTTP/1.1 200 \r\nContent-Length: 1234\r\n"
        + "Via: 1.1 lb-web\r\n\r\n");
  }

  @Test
  void writeResponse_switchingProtocolsKeepsUpgrade() {
    ResponseHead head = response("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        + "Sec-WebSocket-Accept: s\r\n\r\n", false);

    assertThat(rewrite(head, false, false, null)).isEqualTo("HTTP/1.1 101 Switching Protocols\r\n"
        + "Upgrade: websocket\r\nSec-WebSocket-Accept: s\r\nVia: 1.1 lb-web\r\nConnection: upgrade\r\n\r\n");
  }

  @Test
  void constructor_validatesViaIdAndPort() {
    assertThatThrownBy(() -> new ForwardingRewriter("lb web", false, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("forwarding.viaId must be 1-64 characters of token characters (letters, digits, "
            + "!#$%&'*+-.^_`|~), was 'lb web' (character ' ' at index 2 is not allowed)");
    assertThatThrownBy(() -> new ForwardingRewriter("lb", false, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("forwarding.listenerPort must be between 1 and 65535, was 0");
  }

  @Test
  void writeRequest_dropsFieldsNamedWithUnderscore_unlessAllowed() {
    String raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\nX_Custom: 1\r\nX-Normal: 2\r\n"
        + "Content-Length: 5\r\n\r\n";
    assertThat(rewrite(request(raw), null)).doesNotContain("Transfer_Encoding", "X_Custom")
        .contains("\r\nX-Normal: 2\r\n", "\r\nContent-Length: 5\r\n");

    ForwardingRewriter allowing = new ForwardingRewriter("lb-web", false, 8080, true);
    ByteBuffer out = ByteBuffer.allocate(4096);
    int n = allowing.writeRequest(request(raw), "127.0.0.9", null, out);
    assertThat(new String(out.array(), 0, n, StandardCharsets.ISO_8859_1))
        .contains("\r\nTransfer_Encoding: chunked\r\n", "\r\nX_Custom: 1\r\n", "\r\nX-Normal: 2\r\n");
  }

  @Test
  void writeRequest_absoluteForm_becomesOriginForm_withTheTargetsAuthorityAsHost() {
    assertThat(rewrite(request("GET http://a.example:8080/p?q=1 HTTP/1.0\r\nAccept: */*\r\n\r\n"), "backend:9000"))
        .startsWith("GET /p?q=1 HTTP/1.0\r\nAccept: */*\r\nHost: a.example:8080\r\n")
        .doesNotContain("backend:9000");
    assertThat(rewrite(request("GET http://a.example HTTP/1.0\r\n\r\n"), "backend:9000"))
        .startsWith("GET / HTTP/1.0\r\nHost: a.example\r\n");
    assertThat(rewrite(request("GET http://a.example?x=1 HTTP/1.0\r\n\r\n"), null))
        .startsWith("GET /?x=1 HTTP/1.0\r\nHost: a.example\r\n");
    assertThat(rewrite(request("GET https://A.example/p HTTP/1.1\r\nHost: a.example\r\n\r\n"), null))
        .startsWith("GET /p HTTP/1.1\r\nHost: a.example\r\n");
  }

  @Test
  void writeRequest_h2cUpgrade_isForwardedOnlyAsAnUpgrade_withItsSettings() {
    String raw = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
    RequestHead upgrading = request(raw);
    assertThat(upgrading.upgradeRequested()).isTrue();
    assertThat(upgrading.upgradesToH2c()).isTrue();
    assertThat(rewrite(upgrading, null)).contains("\r\nUpgrade: h2c\r\n", "\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n",
        "\r\nConnection: upgrade, HTTP2-Settings\r\n");

    RequestHead stripped = request(raw);
    stripped.ignoreUpgrade();
    assertThat(stripped.upgradeRequested()).isFalse();
    assertThat(rewrite(stripped, null)).doesNotContain("Upgrade", "HTTP2-Settings", "Connection");

    assertThat(request("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket, H2C/1\r\n\r\n")
        .upgradesToH2c()).isTrue();
    assertThat(request("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
        .upgradesToH2c()).isFalse();
  }

  @Test
  void writeResponse_chunkedToAnHttp10Client_dropsTransferEncodingAndCloses() {
    ResponseHead chunked = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n", false);
    assertThat(chunked.chunkedOnly()).isTrue();
    assertThat(rewrite(chunked, true, false, null))
        .isEqualTo("HTTP/1.1 200 OK\r\nX-A: 1\r\nVia: 1.1 lb-web\r\nConnection: close\r\n\r\n");
    assertThat(rewrite(chunked, false, false, null)).contains("\r\nTransfer-Encoding: chunked\r\n");
    assertThat(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false).chunkedOnly())
        .isFalse();
  }
}
