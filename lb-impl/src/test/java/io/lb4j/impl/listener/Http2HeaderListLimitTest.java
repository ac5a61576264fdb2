package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.listener.H2TestClient.Response;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A peer's SETTINGS_MAX_HEADER_LIST_SIZE on a relayed stream (RFC 9113 section 6.5.2). Each side announces
 * the largest list it accepts, and the relay does not send it a larger one. A list that did not fit used to be
 * held back silently while its stream stayed open: the request never reached the backend, or the response
 * never reached the client, until a timeout blamed the backend. Now each ends at once with a status or a reset
 * that names the limit, and the backend is not blamed for a limit.
 */
class Http2HeaderListLimitTest {

  private static final String BIG = "v".repeat(2000);

  /** Ejects a backend at its first reported failure: a wrong blame shows at once. */
  private static io.lb4j.api.Listener.Builder strict(String name) {
    return Http2BackendRelayTest.h2c(name).outlierDetection(OutlierDetectionPolicy.builder()
        .consecutiveFailures(1).maxEjectionPercent(100).build());
  }

  /** Answers {@code /big-head} with a 2000-byte field, {@code /big-trailers} with 2000-byte trailers, else "ok". */
  private static H2TestBackend.Handler bigWhereAsked() {
    return new H2TestBackend.Handler() {
      @Override
      public void ended(Http2Stream stream, H2TestBackend.Request request) {
        String path = request.header(":path");
        Http2Headers head = new Http2Headers().add(":status", "200");
        if (path.equals("/big-head")) {
          head.add("x-big", BIG);
        }
        stream.sendHeaders(head, false);
        request.send(stream, "ok".getBytes(StandardCharsets.UTF_8));
        request.end(stream, path.equals("/big-trailers") ? new Http2Headers().add("x-big", BIG) : null);
      }
    };
  }

  @Test
  void requestOverTheBackendsLimit_is431_nothingIsSent_andTheBackendIsNotBlamed() {
    try (H2TestBackend b = new H2TestBackend(bigWhereAsked(), Http2Limits.builder().maxHeaderListSize(1024).build());
        LoadBalancer pool = Fixtures.pool(strict("h2-backend-limit"), Http2BackendRelayTest.backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      // The first answer comes after the backend's SETTINGS on the same connection: its limit is known.
      assertThat(c.get("/warm").status()).isEqualTo(200);

      Response r = H2TestClient.await(c.send(H2TestClient.request("GET", "/big").add("x-big", BIG), null));

      assertThat(r.status()).isEqualTo(431);
      assertThat(r.bodyText()).contains("larger than the backend's SETTINGS_MAX_HEADER_LIST_SIZE of 1024");
      assertThat(b.requests).hasSize(1);
      assertThat(server.metrics().failures(FailureCause.HEADER_TOO_LARGE)).isEqualTo(1);
      assertThat(pool.view().get(0).ejected()).as("a limit is not the backend's failure").isFalse();
      assertThat(c.get("/after").status()).as("the backend connection goes on").isEqualTo(200);
      assertThat(b.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void requestTrailersOverTheBackendsLimit_are431_andTheBackendsStreamIsCancelled() {
    try (H2TestBackend b = new H2TestBackend(bigWhereAsked(), Http2Limits.builder().maxHeaderListSize(1024).build());
        LoadBalancer pool = Fixtures.pool(strict("h2-backend-trailers"), Http2BackendRelayTest.backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      assertThat(c.get("/warm").status()).isEqualTo(200);

      Response r = H2TestClient.await(c.send(H2TestClient.request("POST", "/with-trailers"),
          "body".getBytes(StandardCharsets.UTF_8), new Http2Headers().add("x-big", BIG)));

      assertThat(r.status()).isEqualTo(431);
      assertThat(r.bodyText()).contains("trailers are larger than the backend's SETTINGS_MAX_HEADER_LIST_SIZE of 1024");
      Await.until("the backend's stream is cancelled", () -> b.resetsReceived.get() == 1);
      assertThat(b.requests.get(1).ended).as("the request never ended at the backend").isFalse();
      assertThat(server.metrics().failures(FailureCause.HEADER_TOO_LARGE)).isEqualTo(1);
      assertThat(pool.view().get(0).ejected()).as("a limit is not the backend's failure").isFalse();
      assertThat(c.get("/after").status()).isEqualTo(200);
    }
  }

  @Test
  void responseHeadOverTheClientsLimit_is502_andTheConnectionGoesOn() {
    try (H2TestBackend b = new H2TestBackend(bigWhereAsked());
        LoadBalancer pool = Fixtures.pool(Http2BackendRelayTest.h2c("h2-client-limit"),
            Http2BackendRelayTest.backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress(),
            Http2Limits.builder().maxHeaderListSize(1024).build())) {
      Response r = c.get("/big-head");

      assertThat(r.status()).isEqualTo(502);
      assertThat(r.bodyText()).contains("larger than the client's SETTINGS_MAX_HEADER_LIST_SIZE of 1024");
      assertThat(server.metrics().failures(FailureCause.BAD_RESPONSE)).isEqualTo(1);
      Response next = c.get("/small");
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.bodyText()).isEqualTo("ok");
    }
  }

  @Test
  void responseTrailersOverTheClientsLimit_resetTheClientsStream() {
    try (H2TestBackend b = new H2TestBackend(bigWhereAsked());
        LoadBalancer pool = Fixtures.pool(Http2BackendRelayTest.h2c("h2-client-trailers"),
            Http2BackendRelayTest.backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress(),
            Http2Limits.builder().maxHeaderListSize(1024).build())) {
      Response r = c.get("/big-trailers");

      assertThat(r.reset()).as("no end without the trailers: the stream is reset").isEqualTo(
          Http2ErrorCode.INTERNAL_ERROR);
      assertThat(r.status()).isEqualTo(200);
      Await.until("the failure counted", () -> server.metrics().failures(FailureCause.BAD_RESPONSE) == 1);
      assertThat(c.get("/small").status()).isEqualTo(200);
    }
  }
}
