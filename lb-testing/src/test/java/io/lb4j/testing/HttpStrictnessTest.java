package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP backend refuses ambiguous or oversized requests with the right status and closes the connection. */
class HttpStrictnessTest {

  private HttpTestBackend backend;

  @BeforeEach
  void start() {
    backend = HttpTestBackend.builder("strict").maxRequestHeadBytes(100).maxRequestBodyBytes(10).build().start();
  }

  @AfterEach
  void stop() {
    backend.close();
  }

  /** Sends {@code request}, reads the answer to the end: the backend must close after refusing. */
  private String refused(String request) throws IOException {
    try (RawClient c = RawClient.to(backend)) {
      c.send(request);
      return c.readToEnd();
    }
  }

  @Test
  void bareLineFeed_is400AndClosed() throws IOException {
    assertThat(refused("GET / HTTP/1.1\nHost: t\n\n")).startsWith("HTTP/1.1 400 ").contains("Connection: close")
        .endsWith("bare LF line end\n");
  }

  @Test
  void obsoleteLineFolding_is400() throws IOException {
    assertThat(refused("GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  2\r\n\r\n")).startsWith("HTTP/1.1 400 ")
        .endsWith("obsolete line folding is not allowed\n");
  }

  @Test
  void contentLengthWithTransferEncoding_is400() throws IOException {
    assertThat(refused("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ").endsWith("both Content-Length and Transfer-Encoding\n");
  }

  @Test
  void twoContentLengths_are400() throws IOException {
    assertThat(refused("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab"))
        .startsWith("HTTP/1.1 400 ").endsWith("invalid Content-Length\n");
  }

  @Test
  void aTransferCodingOtherThanChunked_is501() throws IOException {
    assertThat(refused("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"))
        .startsWith("HTTP/1.1 501 ");
  }

  @Test
  void malformedRequestLine_is400() throws IOException {
    assertThat(refused("GET  / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ").endsWith("malformed request line\n");
    assertThat(refused("GET / HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 400 ");
  }

  @Test
  void requestHeadAtTheLimitIsServed_oneByteMoreIs431() throws IOException {
    String start = "GET / HTTP/1.1\r\nX-Pad: ";
    String atLimit = start + "p".repeat(100 - start.length() - 4) + "\r\n\r\n";
    assertThat(atLimit).hasSize(100);
    try (RawClient c = RawClient.to(backend)) {
      c.send(atLimit);
      assertThat(c.readResponse().status()).isEqualTo(200);
    }
    String overLimit = start + "p".repeat(100 - start.length() - 3) + "\r\n\r\n";
    assertThat(refused(overLimit)).startsWith("HTTP/1.1 431 ").endsWith("request head over the limit of 100 bytes\n");
  }

  @Test
  void requestBodyAtTheLimitIsServed_oneByteMoreIs413() throws IOException {
    try (RawClient c = RawClient.to(backend)) {
      c.send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789");
      assertThat(c.readResponse().status()).isEqualTo(200);
    }
    assertThat(refused("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890")).startsWith("HTTP/1.1 413 ")
        .endsWith("body of 11 bytes is over the limit of 10\n");
    assertThat(refused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n01234567890\r\n0\r\n\r\n"))
        .startsWith("HTTP/1.1 413 ");
  }

  @Test
  void refusedRequestsAreNotRecorded() throws IOException {
    refused("GET / HTTP/1.1\nHost: t\n\n");
    assertThat(backend.requests().count()).isZero();
  }

  @Test
  void builderRejectsOutOfRangeValues_namingFieldValueAndRange() {
    assertThatThrownBy(() -> HttpTestBackend.builder("x").maxRequestHeadBytes(63))
        .hasMessage("backend.maxRequestHeadBytes must be between 64 and 67108864, was 63");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").maxRequestBodyBytes(-1))
        .hasMessage("backend.maxRequestBodyBytes must be between 0 and 67108864, was -1");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").weight(101))
        .hasMessage("backend.weight must be between 0 and 100, was 101");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").port(65536))
        .hasMessage("backend.port must be between 0 and 65535, was 65536");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").host("10.0.0.1"))
        .hasMessage("backend.host must be an IPv4 address in 127.0.0.0/8, was '10.0.0.1'");
    assertThatThrownBy(() -> HttpTestBackend.builder("a b"))
        .hasMessage("backend.name must be 1-64 characters of a-z A-Z 0-9 '-' '_' '.', was 'a b'");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").healthPath("health"))
        .hasMessage("backend.healthPath must start with '/' and hold visible ASCII only, was 'health'");
    assertThatThrownBy(() -> Behavior.builder().status(600))
        .hasMessage("behavior.status must be between 100 and 599, was 600");
    assertThatThrownBy(() -> Behavior.builder().failing(1.5, 503))
        .hasMessage("behavior.failureShare must be between 0.0 and 1.0, was 1.5");
    assertThatThrownBy(() -> Behavior.builder().latency(java.time.Duration.ofMinutes(6)))
        .hasMessage("behavior.latency must be between 0s and 300s, was 360s");
    assertThatThrownBy(() -> Behavior.builder().header("X-A", "1\r\n2"))
        .hasMessage("behavior.header value must not contain CR or LF, was '1\\r\\n2'");
    assertThatThrownBy(() -> Fault.dribble(0, java.time.Duration.ZERO))
        .hasMessage("fault.chunkBytes must be between 1 and 67108864, was 0");
  }
}
