package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestHeadParserTest {

  private final RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private RequestHead parseComplete(String request) {
    ParseResult result = parser.parse(bytes(request));
    assertThat(result).as("%s (%s)", result, parser.errorReason()).isEqualTo(ParseResult.COMPLETE);
    return parser.head();
  }

  private void assertRefused(String request, int status, String reason) {
    assertThat(parser.parse(bytes(request))).isEqualTo(ParseResult.ERROR);
    assertThat(parser.errorStatus()).isEqualTo(status);
    assertThat(parser.errorReason()).isEqualTo(reason);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"GET,true", "HEAD,true", "OPTIONS,true", "TRACE,true", "PUT,true",
      "DELETE,true", "POST,false", "PATCH,false", "get,false", "GETX,false", "PROPFIND,false"})
  void isIdempotentMethod_followsRfc9110(String method, boolean idempotent) {
    String target = method.equals("OPTIONS") ? "*" : "/";
    RequestHead head = parseComplete(method + " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(head.isIdempotentMethod()).isEqualTo(idempotent);
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
    assertThat(head.fieldNameIs(1, "content-LENGTH")).isTrue();
    assertThat(head.firstValue("COOKIE")).isEqualTo("a=1");
    assertThat(head.firstValue("X-Missing")).isNull();
    assertThat(head.headLength()).isEqualTo(in.position());
    assertThat(in.remaining()).isEqualTo(5);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // request | framing | content length
      "GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|NONE|-1",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|CHUNKED|-1",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n|CHUNKED|-1",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip\\r\\nTransfer-Encoding: CHUNKED\\r\\n\\r\\n|CHUNKED|-1",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 5, 5\\r\\n\\r\\n|CONTENT_LENGTH|5",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 7\\r\\nContent-Length: 7\\r\\n\\r\\n|CONTENT_LENGTH|7",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 007\\r\\n\\r\\n|CONTENT_LENGTH|7",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length:\\t9223372036854775807 \\r\\n\\r\\n|CONTENT_LENGTH|9223372036854775807",
      "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 0\\r\\n\\r\\n|CONTENT_LENGTH|0",
  })
  void parse_acceptsValidFraming(String request, BodyFraming framing, long contentLength) {
    RequestHead head = parseComplete(request.replace("\\r\\n", "\r\n").replace("\\t", "\t"));

    assertThat(head.framing()).isEqualTo(framing);
    assertThat(head.contentLength()).isEqualTo(contentLength);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET http://a.example:8080/p?q HTTP/1.1\r\nHost: A.example:8080\r\n\r\n",
      "GET https://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n",
      "GET /%41%2f;p=1/x@y:z?a=b&c=d/?e HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab:\tv\t\r\nX-Obs-Text: caf\u00e9\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\n",
      "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "get / HTTP/1.1\r\nHost: a\r\n\r\n",
      "M-SEARCH~! / HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n",
  })
  void parse_acceptsValidRequests(String request) {
    parseComplete(request);
  }

  @Test
  void parse_treatsLaterMinorVersionsAsHttp11() {
    RequestHead head = parseComplete("GET / HTTP/1.2\r\nHost: a\r\n\r\n");

    assertThat(head.isHttp11()).isTrue();
    assertThat(head.keepAlive()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "HTTP/1.1||true",
      "HTTP/1.1|close|false",
      "HTTP/1.1|keep-alive|true",
      "HTTP/1.1|Keep-Alive, CLOSE|false",
      "HTTP/1.0||false",
      "HTTP/1.0|keep-alive|true",
      "HTTP/1.0|Keep-Alive|true",
      "HTTP/1.0|keep-alive, close|false",
  })
  void keepAlive_followsVersionAndConnection(String version, String connection, boolean keepAlive) {
    String field = connection == null ? "" : "Connection: " + connection + "\r\n";
    RequestHead head = parseComplete("GET / " + version + "\r\nHost: a\r\n" + field + "\r\n");

    assertThat(head.keepAlive()).isEqualTo(keepAlive);
  }

  @Test
  void expect_100ContinueIsRecognisedInHttp11AndIgnoredInHttp10() {
    assertThat(parseComplete("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")
        .expectsContinue()).isTrue();
    parser.reset();
    assertThat(parseComplete("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        .expectsContinue()).isFalse();
    parser.reset();
    assertThat(parseComplete("PUT / HTTP/1.0\r\nExpect: something-else\r\n\r\n").expectsContinue()).isFalse();
  }

  @Test
  void upgrade_needsTheUpgradeFieldAndTheConnectionOptionInHttp11() {
    assertThat(parseComplete("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
        + "Upgrade: websocket\r\n\r\n").upgradeRequested()).isTrue();
    parser.reset();
    assertThat(parseComplete("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").upgradeRequested())
        .isFalse();
    parser.reset();
    assertThat(parseComplete("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n").upgradeRequested())
        .isFalse();
    parser.reset();
    assertThat(parseComplete("GET /ws HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
        .upgradeRequested()).isFalse();
  }

  @Test
  void isHeadMethod_isCaseSensitive() {
    assertThat(parseComplete("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").isHeadMethod()).isTrue();
    parser.reset();
    assertThat(parseComplete("head / HTTP/1.1\r\nHost: a\r\n\r\n").isHeadMethod()).isFalse();
  }

  @Test
  void http10WithoutHost_hasNoHost() {
    RequestHead head = parseComplete("GET / HTTP/1.0\r\n\r\n");

    assertThat(head.host()).isNull();
    assertThat(head.isHttp11()).isFalse();
  }

  @Test
  void parse_returnsTheSameResultUntilReset_thenParsesThePipelinedRequest() {
    ByteBuffer in = bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n");

    assertThat(parser.parse(in)).isEqualTo(ParseResult.COMPLETE);
    int afterFirst = in.position();
    assertThat(parser.parse(in)).isEqualTo(ParseResult.COMPLETE);
    assertThat(in.position()).isEqualTo(afterFirst);
    assertThat(parser.head().target()).isEqualTo("/1");

    parser.reset();
    assertThat(parser.parse(in)).isEqualTo(ParseResult.COMPLETE);
    assertThat(parser.head().target()).isEqualTo("/2");
    assertThat(parser.head().host()).isEqualTo("b");
    assertThat(in.hasRemaining()).isFalse();
  }

  @Test
  void parse_errorIsStickyUntilReset() {
    assertRefused("GET / HTTP/1.1\r\n\r\n", 400, "missing Host");
    assertThat(parser.parse(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))).isEqualTo(ParseResult.ERROR);

    parser.reset();
    assertThat(parser.errorStatus()).isZero();
    assertThat(parser.errorReason()).isNull();
    parseComplete("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  }

  @Test
  void parse_sameResultAtEverySplitPoint() {
    String request = "POST /upload?id=7 HTTP/1.1\r\nHost: a.example\r\nX-Long: " + "v".repeat(1500)
        + "\r\nTransfer-Encoding: chunked\r\nCookie: s=1\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    byte[] raw = request.getBytes(StandardCharsets.ISO_8859_1);
    int headLength = request.indexOf("\r\n\r\n") + 4;

    for (int split = 0; split <= raw.length; split++) {
      RequestHeadParser p = new RequestHeadParser(HttpLimits.defaults());
      ByteBuffer first = ByteBuffer.wrap(raw, 0, split);
      ParseResult r = p.parse(first);
      int consumed = first.position();
      if (r == ParseResult.NEED_MORE) {
        ByteBuffer second = ByteBuffer.wrap(raw, split, raw.length - split);
        r = p.parse(second);
        consumed = second.position();
      }
      assertThat(r).as("split at %d", split).isEqualTo(ParseResult.COMPLETE);
      assertThat(consumed).as("split at %d", split).isEqualTo(headLength);
      assertThat(p.head().target()).isEqualTo("/upload?id=7");
      assertThat(p.head().framing()).isEqualTo(BodyFraming.CHUNKED);
      assertThat(p.head().fieldValue(1)).hasSize(1500);
      assertThat(p.head().cookieHeader()).isEqualTo("s=1");
    }
  }

  @Test
  void parse_oneByteAtATimeConsumesExactlyTheHead() {
    String request = "GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
    byte[] raw = request.getBytes(StandardCharsets.ISO_8859_1);
    List<ParseResult> results = new ArrayList<>();
    int i = 0;
    ParseResult r = ParseResult.NEED_MORE;
    while (r == ParseResult.NEED_MORE) {
      ByteBuffer one = ByteBuffer.wrap(raw, i++, 1);
      r = parser.parse(one);
      assertThat(one.hasRemaining()).isFalse();
      results.add(r);
    }
    assertThat(r).isEqualTo(ParseResult.COMPLETE);
    assertThat(i).isEqualTo(request.indexOf("NEXT"));
    assertThat(results.subList(0, results.size() - 1)).containsOnly(ParseResult.NEED_MORE);
  }

  // Limits, each at its edge: exactly at the limit passes, one more fails.

  @Test
  void requestLine_exactlyAtTheLimitPasses_oneMoreIs414() {
    HttpLimits limits = HttpLimits.builder().maxRequestLineLength(64).build();
    String atLimit = "GET /" + "a".repeat(64 - "GET / HTTP/1.1".length()) + " HTTP/1.1";
    assertThat(atLimit).hasSize(64);

    RequestHeadParser p = new RequestHeadParser(limits);
    assertThat(p.parse(bytes(atLimit + "\r\nHost: a\r\n\r\n"))).isEqualTo(ParseResult.COMPLETE);

    RequestHeadParser q = new RequestHeadParser(limits);
    ByteBuffer over = bytes(atLimit.replace("/", "/b") + "\r\nHost: a\r\n\r\n");
    assertThat(q.parse(over)).isEqualTo(ParseResult.ERROR);
    assertThat(q.errorStatus()).isEqualTo(414);
    assertThat(q.errorReason()).isEqualTo("request line too long");
    assertThat(over.position()).as("refused at the first byte over the limit").isEqualTo(65);
  }

  @Test
  void headerSection_exactlyAtTheLimitPasses_oneMoreIs431() {
    HttpLimits limits = HttpLimits.builder().maxHeaderSectionBytes(1024).build();
    String fixed = "Host: a\r\nX: \r\n\r\n";
    String section = "Host: a\r\nX: " + "v".repeat(1024 - fixed.length()) + "\r\n\r\n";
    assertThat(section).hasSize(1024);

    RequestHeadParser p = new RequestHeadParser(limits);
    assertThat(p.parse(bytes("GET / HTTP/1.1\r\n" + section))).isEqualTo(ParseResult.COMPLETE);

    RequestHeadParser q = new RequestHeadParser(limits);
    assertThat(q.parse(bytes("GET / HTTP/1.1\r\n" + section.replace("X: ", "X: w")))).isEqualTo(ParseResult.ERROR);
    assertThat(q.errorStatus()).isEqualTo(431);
    assertThat(q.errorReason()).isEqualTo("request header section too large");
  }

  @Test
  void fieldCount_exactlyAtTheLimitPasses_oneMoreIs431() {
    HttpLimits limits = HttpLimits.builder().maxFieldCount(3).build();

    RequestHeadParser p = new RequestHeadParser(limits);
    assertThat(p.parse(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n"))).isEqualTo(ParseResult.COMPLETE);
    assertThat(p.head().fieldCount()).isEqualTo(3);

    RequestHeadParser q = new RequestHeadParser(limits);
    assertThat(q.parse(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\nZ: 3\r\n\r\n")))
        .isEqualTo(ParseResult.ERROR);
    assertThat(q.errorStatus()).isEqualTo(431);
    assertThat(q.errorReason()).isEqualTo("too many header fields");
  }

  @Test
  void leadingEmptyLines_upToTwoAreIgnored_aThirdIs400() {
    parseComplete("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(parser.head().method()).isEqualTo("GET");
    parser.reset();

    assertRefused("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "too many empty lines before the request line");
  }

  @Test
  void contentLength_largestValueParses_oneMoreIsRefused() {
    assertThat(parseComplete("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n")
        .contentLength()).isEqualTo(Long.MAX_VALUE);
    parser.reset();

    assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400,
        "Content-Length too large");
  }

  @Test
  void parse_growsItsBufferForALargeHeadWithinTheLimits() {
    String big = "v".repeat(30_000);

    RequestHead head = parseComplete("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n");

    assertThat(head.firstValue("x-big")).isEqualTo(big);
  }
}
