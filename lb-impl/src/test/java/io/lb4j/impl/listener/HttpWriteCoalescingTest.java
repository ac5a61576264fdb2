package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A head and the body bytes read with it leave in one write call, both ways; counted through the
 * listener's write-call counters, since TCP segment boundaries are not observable reliably.
 */
class HttpWriteCoalescingTest {

  /** A response written by the backend in one call, so the listener reads head and body together. */
  private static byte[] oneWriteResponse(byte[] body) {
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    response.writeBytes(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    response.writeBytes(body);
    return response.toByteArray();
  }

  @Test
  void keepAliveExchange_writesEachHeadWithItsBodyInOneCall_bothWays() {
    byte[] response = oneWriteResponse("hello".getBytes(StandardCharsets.US_ASCII));
    int requests = 20;
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(response);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-one-write"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < requests; i++) {
        // One client write: the listener reads the head and the body together.
        RawHttpClient.Response r = c.send("POST /" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nbody-" + (i % 10))
            .read();
        assertThat(r.bodyText()).isEqualTo("hello");
      }
      assertThat(a.requests).hasSize(requests);
      for (int i = 0; i < requests; i++) {
        assertThat(new String(a.requests.get(i).body(), StandardCharsets.US_ASCII)).isEqualTo("body-" + (i % 10));
      }
      // Each write call is counted before it is made, so every one behind a response read is counted already.
      assertThat(server.recorder().clientWriteCalls()).isEqualTo(requests);
      assertThat(server.recorder().backendWriteCalls()).isEqualTo(requests);
    }
  }

  @Test
  void bodiesLargerThanTheSocketBuffers_arriveExact_whenHeadAndBodyAreWrittenTogether() {
    byte[] big = new byte[4 * 1024 * 1024 + 13];
    new Random(7).nextBytes(big);
    byte[] response = oneWriteResponse(big);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(response);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-one-write-big"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).bufferSize(64 * 1024).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 3; i++) {
        byte[] head = ("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + big.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(big, 0, request, head.length, big.length);
        // Partial gathering writes both ways: the bytes counted as sent must be exactly the bytes that left.
        assertThat(c.send(request).read().body()).isEqualTo(big);
        assertThat(a.requests.get(i).body()).isEqualTo(big);
      }
      assertThat(a.connections.get()).isEqualTo(1);
    }
  }
}
