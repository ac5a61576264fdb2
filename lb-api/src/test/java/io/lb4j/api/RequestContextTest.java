package io.lb4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestContextTest {

  @Test
  void hash_isStableAcrossReleases() {
    // Pinned values: changing the hash function would re-map every key of a running fleet.
    assertThat(RequestContext.hash("")).isEqualTo(RequestContext.mix64(0xcbf29ce484222325L));
    assertThat(RequestContext.hash("user-42")).isEqualTo(RequestContext.hash("user-42".getBytes(StandardCharsets.US_ASCII)));
    assertThat(RequestContext.hash("user-42")).isNotEqualTo(RequestContext.hash("user-43"));
  }

  @Test
  void clientAddressHash_dependsOnlyOnTheAddress() throws Exception {
    RequestContext a = RequestContext.ofClient(InetAddress.getByName("127.0.0.1"));
    RequestContext b = RequestContext.ofClient(InetAddress.getByName("127.0.0.1"));
    RequestContext c = RequestContext.ofClient(InetAddress.getByName("127.0.0.2"));
    assertThat(a.clientAddressHash()).isEqualTo(b.clientAddressHash()).isNotEqualTo(c.clientAddressHash());
    assertThat(a.hasHashKey()).isFalse();
  }

  @Test
  void hashKey_fromTextAndNumber() {
    assertThat(RequestContext.ofKey("abc").hashKey()).isEqualTo(RequestContext.hash("abc"));
    assertThat(RequestContext.ofKey(7L).hashKey()).isEqualTo(7L);
    assertThat(RequestContext.ofKey(7L).hasHashKey()).isTrue();
    assertThat(RequestContext.EMPTY.hasHashKey()).isFalse();
    assertThat(RequestContext.EMPTY.clientAddress()).isNull();
    assertThat(RequestContext.EMPTY.cookieHeader()).isNull();
  }

  @Test
  void outcome_httpStatusClassifies5xxAsServerError() {
    assertThat(Outcome.httpStatus(503, java.time.Duration.ZERO).kind()).isEqualTo(Outcome.Kind.SERVER_ERROR);
    assertThat(Outcome.httpStatus(404, java.time.Duration.ZERO).isFailure()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Outcome.httpStatus(600, java.time.Duration.ZERO))
        .hasMessage("outcome.statusCode must be between 100 and 599, was 600");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Outcome.failure(Outcome.Kind.SUCCESS, java.time.Duration.ZERO))
        .hasMessage("outcome.kind must be a failure kind, was SUCCESS");
  }
}
