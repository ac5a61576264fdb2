package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * RFC 9113 section 8 as pure functions: which requests, responses and trailers are malformed (each with
 * its reason), and the conversions to and from HTTP/1.1.
 */
class Http11ConversionTest {

  private static Http2Headers fields(String... nameValues) {
    Http2Headers h = new Http2Headers();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  private static String[] get(String... more) {
    String[] base = {":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/"};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  static Stream<Arguments> malformedRequests() {
    return Stream.of(
        Arguments.of(fields(":scheme", "https", ":authority", "a", ":path", "/"), "missing :method"),
        Arguments.of(fields(":method", "GET", ":authority", "a", ":path", "/"), "missing :scheme"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a"), "missing :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":path", "/"), "missing :authority and host"),
        Arguments.of(fields(get(":method", "POST")), "repeated :method"),
        Arguments.of(fields(get(":path", "/again")), "repeated :path"),
        Arguments.of(fields(get(":authority", "b")), "repeated :authority"),
        Arguments.of(fields(get(":scheme", "http")), "repeated :scheme"),
        Arguments.of(fields(get(":protocol", "websocket")), "unknown pseudo-header field :protocol"),
        Arguments.of(fields(get(":status", "200")), "unknown pseudo-header field :status"),
        Arguments.of(fields(":method", "GET", "accept", "*/*", ":scheme", "https", ":authority", "a", ":path", "/"),
            "pseudo-header field after a regular field"),
        Arguments.of(fields(get("Accept", "*/*")), "uppercase field name"),
        Arguments.of(fields(get("x y", "1")), "invalid character in a field name"),
        Arguments.of(fields(get("x:y", "1")), "invalid character in a field name"),
        Arguments.of(fields(get("", "1")), "empty field name"),
        Arguments.of(fields(get("connection", "keep-alive")), "connection-specific field connection"),
        Arguments.of(fields(get("keep-alive", "5")), "connection-specific field keep-alive"),
        Arguments.of(fields(get("proxy-connection", "close")), "connection-specific field proxy-connection"),
        Arguments.of(fields(get("transfer-encoding", "chunked")), "connection-specific field transfer-encoding"),
        Arguments.of(fields(get("upgrade", "h2c")), "connection-specific field upgrade"),
        Arguments.of(fields(get("te", "gzip")), "te other than trailers"),
        Arguments.of(fields(get("x", "a\r\nb: c")), "invalid value of x"),
        Arguments.of(fields(get("x", "a\0b")), "invalid value of x"),
        Arguments.of(fields(get("x", "\u0001")), "invalid value of x"),
        Arguments.of(fields(get("x", " leading")), "invalid value of x"),
        Arguments.of(fields(get("x", "trailing\t")), "invalid value of x"),
        Arguments.of(fields(get("content-length", "1", "content-length", "1")), "repeated content-length"),
        Arguments.of(fields(get("content-length", "1, 1")), "invalid content-length"),
        Arguments.of(fields(get("content-length", "-1")), "invalid content-length"),
        Arguments.of(fields(get("content-length", "1234567890123456789")), "invalid content-length"),
        Arguments.of(fields(get("host", "a", "host", "a")), "repeated host"),
        Arguments.of(fields(get("host", "other.example")), "host does not match :authority"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "user@example.com", ":path", "/"),
            "invalid :authority"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a:65536", ":path", "/"),
            "invalid :authority"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "noslash"),
            "invalid :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/a b"),
            "invalid :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/%zz"),
            "invalid :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/#frag"),
            "invalid :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "*"), "invalid :path"),
        Arguments.of(fields(":method", "GET", ":scheme", "https", ":authority", "a", ":path", ""), "invalid :path"),
        Arguments.of(fields(":method", "G T", ":scheme", "https", ":authority", "a", ":path", "/"), "invalid :method"),
        Arguments.of(fields(":method", "GET", ":scheme", "ftp", ":authority", "a", ":path", "/"),
            "unsupported :scheme"),
        Arguments.of(fields(":method", "CONNECT", ":authority", "a:443", ":path", "/"),
            "CONNECT with :scheme or :path"),
        Arguments.of(fields(":method", "CONNECT", "host", "a:443"), "CONNECT without :authority"));
  }

  @ParameterizedTest
  @MethodSource("malformedRequests")
  void malformedRequest_isRefusedWithItsReason(Http2Headers request, String reason) {
    assertThat(Http11Conversion.checkRequest(request, true)).isEqualTo(reason);
  }

  @Test
  void wellFormedRequests_pass() {
    assertThat(Http11Conversion.checkRequest(fields(get()), true)).isNull();
    assertThat(Http11Conversion.checkRequest(fields(get("te", "trailers", "content-length", "0", "cookie", "a=1",
        "cookie", "b=2", "host", "EXAMPLE.com", "x", "")), true)).isNull();
    assertThat(Http11Conversion.checkRequest(fields(":method", "OPTIONS", ":scheme", "http", ":authority",
        "[::1]:8080", ":path", "*"), true)).isNull();
    assertThat(Http11Conversion.checkRequest(fields(":method", "GET", ":scheme", "http", ":path", "/a?b=c%20d",
        "host", "10.0.0.1:80"), true)).isNull();
    assertThat(Http11Conversion.checkRequest(fields(":method", "CONNECT", ":authority", "a:443"), false)).isNull();
    assertThat(Http11Conversion.checkRequest(fields(get("content-length", "5")), false)).isNull();
  }

  @Test
  void contentLengthOnARequestWithoutContent_isMalformed() {
    assertThat(Http11Conversion.checkRequest(fields(get("content-length", "5")), true))
        .isEqualTo("content-length 5 on a request without content");
  }

  @Test
  void contentLengthAgainstData() {
    assertThat(MessageRules.checkContentLength(-1, 100, true)).isNull();
    assertThat(MessageRules.checkContentLength(5, 3, false)).isNull();
    assertThat(MessageRules.checkContentLength(5, 5, true)).isNull();
    assertThat(MessageRules.checkContentLength(5, 4, true)).isEqualTo("content-length 5 but 4 bytes of DATA");
    assertThat(MessageRules.checkContentLength(5, 6, false)).isEqualTo("content-length 5 but more than 6 bytes of DATA");
  }

  @Test
  void responses() {
    assertThat(Http11Conversion.checkResponse(fields(":status", "200", "content-type", "text/html"), false)).isNull();
    assertThat(Http11Conversion.checkResponse(fields(":status", "100"), false)).isNull();
    assertThat(Http11Conversion.checkResponse(fields(":status", "100"), true))
        .isEqualTo("informational response ending the stream");
    assertThat(Http11Conversion.checkResponse(fields(":status", "101"), false)).isEqualTo(":status 101 in HTTP/2");
    assertThat(Http11Conversion.checkResponse(fields(":status", "99"), true)).isEqualTo("invalid :status");
    assertThat(Http11Conversion.checkResponse(fields(":status", "600"), true)).isEqualTo("invalid :status");
    assertThat(Http11Conversion.checkResponse(fields(":status", "2x0"), true)).isEqualTo("invalid :status");
    assertThat(Http11Conversion.checkResponse(fields(":status", "200", ":status", "200"), true))
        .isEqualTo("repeated :status");
    assertThat(Http11Conversion.checkResponse(fields(":status", "200", ":path", "/"), true))
        .isEqualTo("unknown pseudo-header field :path");
    assertThat(Http11Conversion.checkResponse(fields("x", "1"), true)).isEqualTo("missing :status");
    assertThat(Http11Conversion.checkResponse(fields(":status", "200", "Set-Cookie", "a"), true))
        .isEqualTo("uppercase field name");
  }

  @Test
  void trailers() {
    assertThat(Http11Conversion.checkTrailers(fields("grpc-status", "0", "grpc-message", "ok"))).isNull();
    assertThat(Http11Conversion.checkTrailers(fields(":status", "200"))).isEqualTo("pseudo-header field in trailers");
    assertThat(Http11Conversion.checkTrailers(fields("content-length", "1"))).isEqualTo("content-length in trailers");
    assertThat(Http11Conversion.checkTrailers(fields("host", "a"))).isEqualTo("host in trailers");
    assertThat(Http11Conversion.checkTrailers(fields("transfer-encoding", "chunked")))
        .isEqualTo("connection-specific field transfer-encoding");
  }

  @Test
  void requestHead_authorityBecomesHost_andCookieCrumbsAreJoined() {
    Http2Headers request = fields(":method", "GET", ":scheme", "https", ":authority", "shop.example:8443",
        ":path", "/cart?item=1", "cookie", "a=1", "accept", "*/*", "cookie", "b=2", "te", "trailers",
        "cookie", "c=3");
    assertThat(head(request, true, null)).isEqualTo("GET /cart?item=1 HTTP/1.1\r\n"
        + "host: shop.example:8443\r\n"
        + "cookie: a=1; b=2; c=3\r\n"
        + "accept: */*\r\n"
        + "\r\n");
  }

  @Test
  void requestHead_withHostAndNoAuthority_keepsTheHost() {
    assertThat(head(fields(":method", "GET", ":scheme", "http", ":path", "/", "host", "h.example"), true, null))
        .isEqualTo("GET / HTTP/1.1\r\nhost: h.example\r\n\r\n");
  }

  @Test
  void requestHead_bodyWithoutLength_isChunked_andWithLength_keepsIt() {
    Http2Headers chunked = fields(":method", "POST", ":scheme", "https", ":authority", "a", ":path", "/up");
    assertThat(Http11Conversion.needsChunkedBody(chunked, false)).isTrue();
    assertThat(head(chunked, false, null)).isEqualTo(
        "POST /up HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n");

    Http2Headers sized = fields(":method", "POST", ":scheme", "https", ":authority", "a", ":path", "/up",
        "content-length", "10");
    assertThat(Http11Conversion.needsChunkedBody(sized, false)).isFalse();
    assertThat(head(sized, false, null)).isEqualTo("POST /up HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\n");
  }

  @Test
  void requestHead_postWithoutContent_getsContentLength0_butGetDoesNot() {
    assertThat(head(fields(":method", "POST", ":scheme", "https", ":authority", "a", ":path", "/"), true, null))
        .isEqualTo("POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n");
    assertThat(head(fields(get()), true, null)).isEqualTo("GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
  }

  @Test
  void requestHead_appendsTheCallersFields_beforeTheEmptyLine() {
    byte[] extra = "x-forwarded-for: 203.0.113.7\r\nvia: 2 lb-web\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(head(fields(get()), true, extra)).isEqualTo(
        "GET / HTTP/1.1\r\nhost: example.com\r\nx-forwarded-for: 203.0.113.7\r\nvia: 2 lb-web\r\n\r\n");
  }

  @Test
  void requestHead_tooLargeForTheBuffer_writesNothing_andSaysWhatItNeeds() {
    ByteBuffer small = ByteBuffer.allocate(10);
    int result = Http11Conversion.writeRequestHead(fields(get()), true, null, small);
    assertThat(result).isEqualTo(-("GET / HTTP/1.1\r\nhost: example.com\r\n\r\n".length()));
    assertThat(small.position()).isZero();
  }

  @Test
  void requestHead_ofAConnectRequest_isRefused() {
    assertThatThrownBy(() -> head(fields(":method", "CONNECT", ":authority", "a:443"), true, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void response_becomesHttp2Fields_withoutConnectionSpecificOnes() {
    Http2Headers http1 = fields("Content-Type", "text/html", "Connection", "keep-alive, X-Hop", "X-Hop", "1",
        "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked", "Upgrade", "h2c", "TE", "trailers",
        "Proxy-Connection", "close", "Set-Cookie", "a=1", "Set-Cookie", "b=2", "Content-Length", "12");
    Http2Headers out = new Http2Headers();
    assertThat(Http11Conversion.toHttp2Response(200, http1, out)).isNull();
    assertThat(out).hasToString(
        "[:status: 200, content-type: text/html, set-cookie: a=1, set-cookie: b=2, content-length: 12]");
    assertThat(Http11Conversion.checkResponse(out, false)).isNull();
  }

  @Test
  void response_statusesHttp2CannotCarry_areRefused() {
    Http2Headers out = new Http2Headers();
    assertThat(Http11Conversion.toHttp2Response(101, fields(), out))
        .isEqualTo("101 Switching Protocols cannot be sent over HTTP/2");
    assertThat(Http11Conversion.toHttp2Response(99, fields(), out)).isEqualTo("status 99 outside 100-599");
    assertThat(Http11Conversion.toHttp2Response(103, fields("Link", "</a>"), out)).isNull();
    assertThat(out).hasToString("[:status: 103, link: </a>]");
  }

  @Test
  void trailers_convertBothWays() {
    Http2Headers out = new Http2Headers();
    Http11Conversion.toHttp2Trailers(fields("Grpc-Status", "0", "Content-Length", "3", "Connection", "close"), out);
    assertThat(out).hasToString("[grpc-status: 0]");

    ByteBuffer b = ByteBuffer.allocate(100);
    assertThat(Http11Conversion.writeChunkedTrailers(fields("grpc-status", "0", "x", "y"), b)).isEqualTo(27);
    assertThat(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII))
        .isEqualTo("0\r\ngrpc-status: 0\r\nx: y\r\n\r\n");
    assertThat(Http11Conversion.writeChunkedTrailers(fields(), ByteBuffer.allocate(4))).isEqualTo(-5);
  }

  private static String head(Http2Headers request, boolean endStream, byte[] extra) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    int n = Http11Conversion.writeRequestHead(request, endStream, extra, out);
    assertThat(n).isEqualTo(out.position());
    return new String(out.array(), 0, n, StandardCharsets.ISO_8859_1);
  }
}
