package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.Http2Limits;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.net.InetAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Flow control through a running listener: a client that stops granting window to one stream stops that
 * stream's backend (through TCP, the listener reading no further than its buffer), and no other stream;
 * and the listener holds a bounded amount of the response meanwhile.
 */
class Http2ListenerFlowControlTest {
  private static final Pattern DATA = Pattern.compile("DATA begin stream=(\\d+) length=(\\d+) end=(\\w+)");

  @Test
  void aStalledStream_stallsOnlyItself_andTheListenerHoldsABoundedPartOfItsResponse() {
    byte[] big = new byte[8 << 20];
    try (HttpTestBackend backend = HttpTestBackend.builder("fc").build().start();
        LoadBalancer pool = LoadBalancers.builder(Listener.builder("h2-flow", Protocol.HTTP, 0)
            .healthCheck(HealthCheckPolicy.disabled()).build())
            .backend(Backend.of(backend.name(), backend.host(), backend.port())).build().start();
        ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
            .eventLoops(1).http2Limits(Http2Limits.defaults()).build().start();
        RawH2Client c = new RawH2Client(server.localAddress())) {
      backend.dispatch(r -> r.path().equals("/big") ? Behavior.builder().body(big).build()
          : Behavior.builder().body("small").build());
      // The connection's window is opened wide; stream 1's stays at the initial 65,535 and is never credited.
      c.send(RawFrames.clientStart().windowUpdate(0, 100 << 20)
          .headers(1, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/big")));
      c.await("stream 1's window used up", e -> received(c, 1) == 65_535);
      for (int i = 0; i < 5; i++) {
        int id = 3 + 2 * i;
        c.send(RawFrames.create().headers(id, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/small")));
        c.await("stream " + id + " complete", e -> e.startsWith("DATA begin stream=" + id + " ") && e.endsWith("end=true"));
      }
      assertThat(received(c, 1)).as("the stalled stream got its window and no more").isEqualTo(65_535);
      // 8 MiB wait at the backend (in its socket): the listener holds a few 16 KiB buffers of it at most.
      assertThat(server.metrics().bufferMemoryBytes()).isLessThanOrEqualTo(16 * 16 * 1024);
      // Credit stream 1: the rest of the 8 MiB flows, in full.
      for (int i = 0; i < 200 && received(c, 1) < big.length; i++) {
        c.send(RawFrames.create().windowUpdate(1, 1 << 20));
        long before = received(c, 1);
        c.await("more of stream 1", e -> received(c, 1) > before || received(c, 1) == big.length);
      }
      assertThat(received(c, 1)).isEqualTo(big.length);
    }
  }

  private static long received(RawH2Client c, int stream) {
    long n = 0;
    for (String e : c.events) {
      Matcher m = DATA.matcher(e);
      if (m.find() && Integer.parseInt(m.group(1)) == stream) {
        n += Long.parseLong(m.group(2));
      }
    }
    return n;
  }
}
