package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.await;
import static io.lb4j.impl.client.Pools.get;
import static io.lb4j.impl.client.Pools.listener;
import static io.lb4j.impl.client.Pools.pool;
import static io.lb4j.impl.client.Pools.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.BackendView;
import io.lb4j.api.Outcome;
import io.lb4j.impl.client.HttpTestBackend.Behaviour;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Every selection the client makes is released exactly once, on every path. */
class ReleaseTest {

  @Test
  void releases_balanceAcquisitions_underConcurrency() throws Exception {
    int threads = 8;
    int perThread = 40;
    try (HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.2");
        HttpTestBackend unavailable = new HttpTestBackend("busy", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), healthy.backend(), unavailable.backend(),
            HttpTestBackend.refusing("down", "127.0.0.4"))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(RetryPolicy.builder()
          .initialBackoff(Duration.ZERO).maxBackoff(Duration.ofMillis(5)).build()).build();
      AtomicInteger sequence = new AtomicInteger();

      List<Integer> statuses = RetryTest.runConcurrently(threads, perThread, () -> {
        switch (sequence.getAndIncrement() % 4) {
          case 0:
            return client.send(get(client, "/"), BodyHandlers.ofString()).statusCode();
          case 1:
            return client.sendAsync(post(client, "/"), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS).statusCode();
          case 2:
            HttpResponse<InputStream> streamed = client.send(get(client, "/"), BodyHandlers.ofInputStream());
            streamed.body().close(); // not read at all
            return streamed.statusCode();
          default:
            return client.sendAsync(get(client, "/"), BodyHandlers.discarding()).get(30, TimeUnit.SECONDS).statusCode();
        }
      });

      assertThat(statuses).hasSize(threads * perThread).containsOnly(200, 503);
      assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(healthy.requests());
      assertThat(lb.outcomes(Outcome.Kind.SERVER_ERROR)).isEqualTo(unavailable.requests());
      await("every selection released", () -> lb.outstanding() == 0);
      assertThat(lb.acquired.get()).isGreaterThanOrEqualTo(threads * perThread);
      assertThat(lb.releasedTwice.get()).isZero();
      assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
    }
  }

  @Test
  void cancel_whileTheBackendHoldsTheRequest_releases() throws Exception {
    try (HttpTestBackend stuck = new HttpTestBackend("stuck", "127.0.0.2").behave(Behaviour.HANG);
        CountingLoadBalancer lb = pool(listener().build(), stuck.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      CompletableFuture<HttpResponse<String>> response = client.sendAsync(get(client, "/"), BodyHandlers.ofString());
      await("the backend holds the request", () -> stuck.requests() == 1);
      response.cancel(true);

      assertThat(lb.outstanding()).isZero();
      assertThat(lb.outcomes).isEmpty(); // the caller gave up: nothing to hold against the backend
      assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
      assertThatThrownBy(response::join).isInstanceOf(CancellationException.class);
    }
  }

  @Test
  void callerTimeoutOnTheFuture_releases() throws Exception {
    try (HttpTestBackend stuck = new HttpTestBackend("stuck", "127.0.0.2").behave(Behaviour.HANG);
        CountingLoadBalancer lb = pool(listener().build(), stuck.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      CompletableFuture<HttpResponse<String>> response = client.sendAsync(get(client, "/"), BodyHandlers.ofString())
          .orTimeout(100, TimeUnit.MILLISECONDS);

      assertThatThrownBy(response::join).hasCauseInstanceOf(TimeoutException.class);
      await("the selection released", () -> lb.outstanding() == 0);
      assertThat(lb.outcomes).isEmpty();
    }
  }

  @Test
  void cancel_duringTheBackoffBeforeARetry_releases() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend())) {
      Duration longBackoff = Duration.ofSeconds(50);
      BalancedHttpClient client = BalancedHttpClient.builder(lb).deadline(Duration.ofSeconds(120))
          .retryPolicy(RetryPolicy.builder().initialBackoff(longBackoff).maxBackoff(longBackoff).jitter(0).build())
          .build();

      CompletableFuture<HttpResponse<String>> response = client.sendAsync(get(client, "/"), BodyHandlers.ofString());
      await("the first attempt failed and the retry waits", () -> lb.outcomes.size() == 1 && lb.outstanding() == 1);
      // The retry's backend is selected (not yet sent to) and is the other one.
      assertThat(lb.view()).filteredOn(v -> v.activeConnections() == 1).extracting(v -> v.backend().id())
          .containsExactly(a.requests() == 1 ? "b" : "a");
      response.cancel(true);

      assertThat(lb.outstanding()).isZero();
      assertThat(a.requests() + b.requests()).isEqualTo(1);
    }
  }

  @Test
  void interruptingABlockingSend_cancelsAndReleases() throws Exception {
    try (HttpTestBackend stuck = new HttpTestBackend("stuck", "127.0.0.2").behave(Behaviour.HANG);
        CountingLoadBalancer lb = pool(listener().build(), stuck.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread caller = new Thread(() -> {
        try {
          client.send(get(client, "/"), BodyHandlers.ofString());
        } catch (Throwable t) {
          thrown.set(t);
        }
      });
      caller.start();

      await("the backend holds the request", () -> stuck.requests() == 1);
      caller.interrupt();
      caller.join(Pools.DEADLINE.toMillis());

      assertThat(caller.isAlive()).isFalse();
      assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void streamedBody_closedUnread_releases_andReadToTheEnd_releases() throws Exception {
    try (HttpTestBackend large = new HttpTestBackend("large", "127.0.0.2").behave(Behaviour.LARGE_BODY);
        CountingLoadBalancer lb = pool(listener().build(), large.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      HttpResponse<InputStream> unread = client.send(get(client, "/"), BodyHandlers.ofInputStream());
      assertThat(lb.outstanding()).isEqualTo(1); // the body is still coming: the backend is busy with it
      assertThat(unread.body().read()).isZero();
      unread.body().close();
      assertThat(lb.outstanding()).isZero();

      HttpResponse<InputStream> read = client.send(get(client, "/"), BodyHandlers.ofInputStream());
      try (InputStream body = read.body()) {
        assertThat(body.readAllBytes()).hasSize(HttpTestBackend.LARGE_BODY_BYTES);
      }
      await("the read body released its backend", () -> lb.outstanding() == 0);
      assertThat(lb.outcomes(Outcome.Kind.SUCCESS)).isEqualTo(2);
      assertThat(lb.releasedTwice.get()).isZero();
    }
  }

  /**
   * Regression: JDK 20+ answers the cancel of a body subscription (closing the stream of
   * {@code ofInputStream}) with {@code onError(IOException("subscription cancelled"))} on the same thread,
   * which the client reported as a RESET: the caller's close counted as the backend's failure.
   */
  @Test
  void streamedBody_closedByTheCallerMidBody_reportsTheStatus_notAReset() throws Exception {
    try (HttpTestBackend stalled = new HttpTestBackend("stalled", "127.0.0.2").behave(Behaviour.STALLED_BODY);
        CountingLoadBalancer lb = pool(listener().build(), stalled.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      int requests = 10;

      for (int i = 0; i < requests; i++) {
        HttpResponse<InputStream> response = client.send(get(client, "/"), BodyHandlers.ofInputStream());
        assertThat(response.body().read()).isZero(); // part of the body came; the rest never will
        response.body().close();
        assertThat(lb.outstanding()).isZero();
      }

      assertThat(lb.outcomes).extracting(Outcome::kind).hasSize(requests).containsOnly(Outcome.Kind.SUCCESS);
      assertThat(lb.releasedTwice.get()).isZero();
    }
  }

  /** Regression: on JDK 25 closing an unread body signalled a reset, counted against a healthy backend. */
  @Test
  void streamedBody_closedUnread_isReportedAsItsStatus_notAsAReset() throws Exception {
    try (HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.2");
        CountingLoadBalancer lb = pool(listener().build(), healthy.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      for (int i = 0; i < 20; i++) {
        HttpResponse<InputStream> unread = client.send(get(client, "/"), BodyHandlers.ofInputStream());
        unread.body().close();
      }

      await("every selection released", () -> lb.outstanding() == 0);
      assertThat(lb.outcomes).hasSize(20).allSatisfy(o -> assertThat(o.kind()).isEqualTo(Outcome.Kind.SUCCESS));
    }
  }

  @Test
  void bodyHandlerThatThrows_releases_andTheCallerGetsTheException() throws Exception {
    try (HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.2");
        CountingLoadBalancer lb = pool(listener().build(), healthy.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      HttpResponse.BodyHandler<String> broken = info -> {
        throw new IllegalStateException("handler broke");
      };

      assertThatThrownBy(() -> client.send(get(client, "/"), broken)).hasMessageContaining("handler broke");

      await("the selection released", () -> lb.outstanding() == 0);
      assertThat(healthy.requests()).isEqualTo(1); // not the backend's fault: not retried
    }
  }

  @Test
  void connectionClosedWhileTheBodyIsRead_releases_andIsNotRetried() throws IOException, InterruptedException {
    try (HttpTestBackend large = new HttpTestBackend("large", "127.0.0.2").behave(Behaviour.TRUNCATED_BODY);
        CountingLoadBalancer lb = pool(listener().build(), large.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      HttpResponse<InputStream> response = client.send(get(client, "/"), BodyHandlers.ofInputStream());
      assertThat(response.body().read()).isZero();

      assertThatThrownBy(() -> response.body().readAllBytes()).isInstanceOf(IOException.class);
      await("the selection released", () -> lb.outstanding() == 0);
      assertThat(lb.outcomes(Outcome.Kind.RESET)).isEqualTo(1);
      assertThat(large.requests()).isEqualTo(1);
    }
  }

  @Test
  void bufferedBody_cutShort_isAResetAfterTheResponseStarted_releasedBeforeTheCallerHearsOfIt() throws Exception {
    try (HttpTestBackend large = new HttpTestBackend("large", "127.0.0.2").behave(Behaviour.TRUNCATED_BODY);
        HttpTestBackend other = new HttpTestBackend("other", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), large.backend(), other.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      for (int i = 0; i < 2; i++) { // round robin: one of the two reaches the truncating backend
        try {
          assertThat(client.send(get(client, "/"), BodyHandlers.ofString()).body()).isEqualTo("other");
          assertThat(lb.outstanding()).isZero();
        } catch (RequestFailedException e) {
          assertThat(e.stopReason()).isEqualTo(RequestFailedException.StopReason.RESPONSE_STARTED);
          assertThat(e.attempts()).singleElement().satisfies(a -> {
            assertThat(a.backendId()).isEqualTo("large");
            assertThat(a.kind()).isEqualTo(Outcome.Kind.RESET);
            assertThat(a.description()).startsWith("closed while the response was read");
          });
          assertThat(lb.outstanding()).isZero();
        }
      }
      assertThat(lb.outcomes(Outcome.Kind.RESET)).isEqualTo(1);
      assertThat(large.requests()).isEqualTo(1);
    }
  }

  @Test
  void theJdksBufferingSubscribersGoUnwrapped_streamingOnesAreWrapped() {
    // Issue 25 item 7: a wrapped subscriber makes the JDK hand every body to its executor.
    var utf8 = java.nio.charset.StandardCharsets.UTF_8;
    assertThat(List.of(java.net.http.HttpResponse.BodySubscribers.ofString(utf8),
        java.net.http.HttpResponse.BodySubscribers.ofByteArray(), java.net.http.HttpResponse.BodySubscribers.discarding(),
        java.net.http.HttpResponse.BodySubscribers.replacing("x"),
        java.net.http.HttpResponse.BodySubscribers.ofFile(java.nio.file.Path.of("unused")),
        java.net.http.HttpResponse.BodySubscribers.ofByteArrayConsumer(bytes -> { })))
        .allMatch(ReleasingBodySubscriber::endsWithExchange);
    assertThat(List.of(java.net.http.HttpResponse.BodySubscribers.ofInputStream(),
        java.net.http.HttpResponse.BodySubscribers.ofPublisher(), java.net.http.HttpResponse.BodySubscribers.ofLines(utf8),
        java.net.http.HttpResponse.BodySubscribers.mapping(java.net.http.HttpResponse.BodySubscribers.ofByteArray(),
            bytes -> bytes.length)))
        .noneMatch(ReleasingBodySubscriber::endsWithExchange);
  }
}
