package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 9: after a refusal the lingering close (the listener reads and drops what the client still
 * sends, so the answer is not lost to a reset) had no total cap: a client sending 512 B/s kept the connection for
 * as long as it liked. It now ends {@code Listener.lingeringTime} after the refusal (nginx's
 * {@code lingering_time}), however busy the client.
 */
class LingeringCloseCapTest {

  @Test
  void aClientTricklingAfterItsRefusal_isClosedAtTheLingeringCap() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-linger-cap").lingeringTime(Duration.ofSeconds(1)),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response refused = c.send("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").read();
      assertThat(refused.status()).isEqualTo(400);

      CountDownLatch closed = new CountDownLatch(1);
      Thread reader = new Thread(() -> {
        try {
          InputStream in = c.socket.getInputStream();
          while (in.read() >= 0) {
            // nothing more is sent after the answer
          }
        } catch (IOException reset) {
          // a reset ends it too
        }
        closed.countDown();
      }, "linger-reader");
      reader.start();
      // Far more often than the lingering timeout (5 s) and for far longer than the cap: only the cap ends it.
      OutputStream out = c.socket.getOutputStream();
      int sent = 0;
      try {
        while (sent < 300 && !closed.await(100, TimeUnit.MILLISECONDS)) {
          out.write("x".repeat(50).getBytes());
          out.flush();
          sent++;
        }
      } catch (IOException resetWhileWriting) {
        // the listener closed while the client was still sending: what is tested
      }
      assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(sent).as("batches sent before the listener closed").isLessThan(300);
      reader.join(30_000);
      assertThat(a.requests).isEmpty();
    }
  }
}
