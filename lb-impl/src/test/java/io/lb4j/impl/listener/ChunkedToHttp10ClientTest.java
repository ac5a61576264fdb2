package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 9: a backend's {@code Transfer-Encoding: chunked} was passed to an HTTP/1.0 client, which
 * RFC 9112 section 6.1 forbids (the client reads the chunk framing as content). The body is now de-chunked and
 * ended by closing the connection; a transfer coding other than chunked, which could not be undone, is 502. An
 * HTTP/1.1 client still gets the chunked response as is.
 */
class ChunkedToHttp10ClientTest {

  private static final byte[] BIG = new byte[1024 * 1024 + 7];

  static {
    new Random(11).nextBytes(BIG);
  }

  /** Always answers chunked, as a non-compliant backend does even to HTTP/1.0 requests. */
  private static HttpTestBackend chunkedBackend() {
    return new HttpTestBackend("127.0.0.1", (req, s, out) -> {
      if (req.requestLine().contains("/gzip")) {
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        return true;
      }
      ByteArrayOutputStream r = new ByteArrayOutputStream();
      r.writeBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      if (req.requestLine().contains("/big")) {
        for (int off = 0; off < BIG.length; off += 100_000) {
          int n = Math.min(100_000, BIG.length - off);
          r.writeBytes((Integer.toHexString(n) + ";ext=1\r\n").getBytes(StandardCharsets.US_ASCII));
          r.write(BIG, off, n);
          r.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        r.writeBytes("0\r\nX-Trailer: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      } else {
        r.writeBytes("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      r.writeTo(out);
      out.flush();
      return true;
    });
  }

  @Test
  void chunkedResponse_reachesAnHttp10Client_dechunked_andClosed() {
    try (HttpTestBackend a = chunkedBackend();
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-dechunk"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).bufferSize(4096).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /small HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Transfer-Encoding")).isNull();
        assertThat(r.header("Content-Length")).isNull();
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(r.header("X-A")).isEqualTo("1");
        assertThat(r.bodyText()).isEqualTo("hello world"); // read until the listener closed
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /big HTTP/1.0\r\n\r\n").read();
        assertThat(r.header("Transfer-Encoding")).isNull();
        assertThat(r.body()).isEqualTo(BIG);
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(r.bodyText()).isEqualTo("hello world");
      }
      assertThat(a.connections.get()).isEqualTo(1); // the backend connection outlived the de-chunked responses
    }
  }

  @Test
  void anotherTransferCodingForAnHttp10Client_is502() {
    try (HttpTestBackend a = chunkedBackend();
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-dechunk-gzip"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET /gzip HTTP/1.0\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.bodyText()).isEqualTo("502 Bad Gateway: a transfer coding other than chunked for an HTTP/1.0 "
          + "request\n");
    }
  }
}
