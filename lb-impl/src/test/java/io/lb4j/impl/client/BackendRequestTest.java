package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an attempt sends: the caller's request as it is, at the backend's URI, with the attempt's timeout. */
class BackendRequestTest {
  private static final URI BACKEND = URI.create("http://127.0.0.2:9001/orders?id=42");

  @Test
  void view_isTheCallersRequest_atTheBackendsUri_withTheAttemptsTimeout() {
    HttpRequest.BodyPublisher body = BodyPublishers.ofString("order");
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://web/orders?id=42")).PUT(body)
        .header("X-Trace", "7").header("Accept", "a").header("Accept", "b").expectContinue(true)
        .version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(9)).build();

    HttpRequest sent = new BackendRequest(request, BACKEND, Optional.of(Duration.ofSeconds(3)), null);

    assertThat(sent.uri()).isEqualTo(BACKEND);
    assertThat(sent.timeout()).contains(Duration.ofSeconds(3));
    assertThat(sent.method()).isEqualTo("PUT");
    assertThat(sent.bodyPublisher()).containsSame(body);
    assertThat(sent.headers()).isSameAs(request.headers());
    assertThat(sent.headers().allValues("accept")).containsExactly("a", "b");
    assertThat(sent.expectContinue()).isTrue();
    assertThat(sent.version()).contains(HttpClient.Version.HTTP_1_1);
    assertThat(sent).hasToString("http://127.0.0.2:9001/orders?id=42 PUT");
  }

  @Test
  void view_ofAGet_hasNoBodyAndNoVersion_likeTheRequest() {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://web/")).build();

    HttpRequest sent = new BackendRequest(request, BACKEND, Optional.of(Duration.ofSeconds(3)), null);

    assertThat(sent.method()).isEqualTo("GET");
    assertThat(sent.bodyPublisher()).isEqualTo(request.bodyPublisher());
    assertThat(sent.version()).isEmpty();
    assertThat(sent.expectContinue()).isFalse();
  }

  @Test
  void hostHeader_replacesTheRequestsOwnHost_andKeepsEveryOtherHeader() {
    // lb-impl's tests run with -Djdk.httpclient.allowRestrictedHeaders=host (see its pom).
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://web/")).header("host", "mine.example")
        .header("X-Trace", "7").build();

    HttpRequest sent = new BackendRequest(request, BACKEND, Optional.of(Duration.ofSeconds(3)), "api.example.com");

    assertThat(sent.headers().allValues("Host")).containsExactly("api.example.com");
    assertThat(sent.headers().map().keySet()).containsExactly("host", "X-Trace");
    assertThat(sent.headers().allValues("x-trace")).containsExactly("7");
    assertThat(request.headers().allValues("Host")).containsExactly("mine.example");
    assertThat(new BackendRequest(HttpRequest.newBuilder(URI.create("http://web/")).build(), BACKEND,
        Optional.of(Duration.ofSeconds(3)), "api.example.com").headers().map())
        .isEqualTo(Map.of("Host", List.of("api.example.com")));
  }
}
