package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.get;
import static io.lb4j.impl.client.Pools.listener;
import static io.lb4j.impl.client.Pools.pool;
import static io.lb4j.impl.client.Pools.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Outcome;
import io.lb4j.impl.client.HttpTestBackend.Behaviour;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Retries on another backend against real loopback backends: what is retried, what never is, the budget. */
class RetryTest {

  private static final RetryPolicy NO_BACKOFF = RetryPolicy.builder().initialBackoff(Duration.ZERO)
      .maxBackoff(Duration.ZERO).build();

  @Test
  void refusingBackend_neverCostsTheCallerAnError_andSpendsNoBudget() throws Exception {
    try (HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), HttpTestBackend.refusing("down", "127.0.0.2"),
            healthy.backend())) {
      // One token for the client's whole life: retries of requests that never left the client must not need it.
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(2).budgetRatio(0.0).budgetBurst(1).build()).build();

      for (int i = 0; i < 50; i++) {
        assertThat(client.send(get(client, "/a"), BodyHandlers.ofString()).body()).isEqualTo("ok");
        assertThat(client.send(post(client, "/b"), BodyHandlers.ofString()).body()).isEqualTo("ok");
      }

      assertThat(healthy.requests()).isEqualTo(100);
      assertThat(lb.outcomes(Outcome.Kind.CONNECT_FAILURE)).isPositive();
      assertThat(lb.outcomes(Outcome.Kind.SUCCESS)).isEqualTo(100);
      assertThat(client.retryBudget.tokens()).isEqualTo(1.0);
      assertThat(client.metrics().requeues()).isEqualTo(lb.outcomes(Outcome.Kind.CONNECT_FAILURE));
      assertThat(client.metrics().retries()).isZero();
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void post_isNotRetriedAfterItWasSent_whetherResetOrAnswered503() throws Exception {
    try (HttpTestBackend flaky = new HttpTestBackend("flaky", "127.0.0.2").behave(Behaviour.RESET);
        HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), flaky.backend(), healthy.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF).build();

      int resets = 0;
      for (int i = 0; i < 20; i++) {
        try {
          client.send(post(client, "/orders"), BodyHandlers.ofString());
        } catch (IOException e) {
          resets++;
        }
      }
      // Every POST reached exactly one server: the ones the flaky backend reset were not sent again.
      assertThat(resets).isPositive().isEqualTo(flaky.requests());
      assertThat(flaky.requests() + healthy.requests()).isEqualTo(20);

      flaky.behave(Behaviour.UNAVAILABLE);
      int before = flaky.requests() + healthy.requests();
      int unavailable = 0;
      for (int i = 0; i < 20; i++) {
        if (client.send(post(client, "/orders"), BodyHandlers.ofString()).statusCode() == 503) {
          unavailable++;
        }
      }
      assertThat(flaky.requests() + healthy.requests() - before).isEqualTo(20);
      assertThat(unavailable).isPositive().isEqualTo(flaky.requests() - resets);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void idempotentRequests_areRetriedOnAnotherBackend_after503AndReset() throws Exception {
    try (HttpTestBackend flaky = new HttpTestBackend("flaky", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), flaky.backend(), healthy.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF.toBuilder()
          .budgetRatio(1.0).budgetBurst(1000).build()).build();
      HttpRequest put = HttpRequest.newBuilder(client.uri("/x")).PUT(HttpRequest.BodyPublishers.ofString("v")).build();
      HttpRequest keyedPost = HttpRequest.newBuilder(client.uri("/x")).header("Idempotency-Key", "k1")
          .POST(HttpRequest.BodyPublishers.ofString("v")).build();

      for (int i = 0; i < 10; i++) {
        assertThat(client.send(get(client, "/x"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(client.send(put, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(client.send(keyedPost, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      }
      int answered503 = flaky.requests();
      assertThat(answered503).isPositive();
      assertThat(lb.outcomes(Outcome.Kind.SERVER_ERROR)).isEqualTo(answered503);

      flaky.behave(Behaviour.RESET);
      for (int i = 0; i < 10; i++) {
        assertThat(client.send(get(client, "/x"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      }

      assertThat(healthy.requests()).isEqualTo(40);
      // The JDK itself sends a GET once more on a new connection when a pooled one turns out closed, so
      // a reset attempt may reach the flaky backend twice; it is one attempt and one outcome here.
      assertThat(lb.outcomes(Outcome.Kind.RESET)).isPositive()
          .isLessThanOrEqualTo(flaky.requests() - answered503);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void budget_holdsUnderAnOutage_attemptsCountedExactly() throws Exception {
    double ratio = 0.2;
    int burst = 5;
    int requests = 50;
    int maxAttempts = 3;
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend c = new HttpTestBackend("c", "127.0.0.4").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend(), c.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(maxAttempts).budgetRatio(ratio).budgetBurst(burst).build()).build();

      for (int i = 0; i < requests; i++) {
        assertThat(client.send(get(client, "/"), BodyHandlers.ofString()).statusCode()).isEqualTo(503);
      }

      int attempts = a.requests() + b.requests() + c.requests();
      assertThat(attempts).isEqualTo(requests + retriesAllowedByBucket(ratio, burst, requests, maxAttempts));
      assertThat(attempts - requests).isLessThanOrEqualTo((int) (burst + ratio * requests));
      assertThat(lb.outcomes(Outcome.Kind.SERVER_ERROR)).isEqualTo(attempts);
      assertThat(lb.outstanding()).isZero();
    }
  }

  /**
   * The retries a token bucket allows when every attempt fails: it starts with {@code burst} tokens,
   * each request adds {@code ratio} of one (never above {@code burst}), each retry takes a whole one.
   */
  private static int retriesAllowedByBucket(double ratio, int burst, int requests, int maxAttempts) {
    long milliTokens = burst * 1000L;
    int retries = 0;
    for (int i = 0; i < requests; i++) {
      milliTokens = Math.min(burst * 1000L, milliTokens + Math.round(ratio * 1000));
      for (int attempt = 2; attempt <= maxAttempts && milliTokens >= 1000; attempt++) {
        milliTokens -= 1000;
        retries++;
      }
    }
    return retries;
  }

  @Test
  void budget_holdsUnderAnOutage_withConcurrentCallers() throws Exception {
    int threads = 4;
    int perThread = 25;
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(3).budgetRatio(0.2).budgetBurst(5).build()).build();

      List<Integer> statuses = runConcurrently(threads, perThread,
          () -> client.send(get(client, "/"), BodyHandlers.discarding()).statusCode());

      assertThat(statuses).hasSize(threads * perThread).containsOnly(503);
      int attempts = a.requests() + b.requests();
      assertThat(attempts - threads * perThread).isBetween(5, 5 + (int) (0.2 * threads * perThread));
      assertThat(lb.outcomes(Outcome.Kind.SERVER_ERROR)).isEqualTo(attempts);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void timeout_retriesIdempotentRequestsOnAnotherBackend_neverPosts() throws Exception {
    try (HttpTestBackend stuck = new HttpTestBackend("stuck", "127.0.0.2").behave(Behaviour.HANG);
        HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), stuck.backend(), healthy.backend())) {
      // 2s per attempt: long enough that the healthy backend never times out on a loaded machine.
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF)
          .attemptTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(60)).build();

      for (int i = 0; i < 4; i++) {
        assertThat(client.send(get(client, "/"), BodyHandlers.ofString()).body()).isEqualTo("ok");
      }
      // The stuck backend counts a request once it has read it; under load that may trail the timeout.
      Pools.await("each timeout counted by the stuck backend", () -> stuck.requests() == lb.outcomes(Outcome.Kind.TIMEOUT));
      int timeoutsBeforePosts = stuck.requests();
      assertThat(timeoutsBeforePosts).isPositive();
      int postTimeouts = 0;
      for (int i = 0; i < 4; i++) {
        try {
          client.send(post(client, "/"), BodyHandlers.ofString());
        } catch (RequestFailedException e) {
          assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class);
          assertThat(e.stopReason()).isEqualTo(RequestFailedException.StopReason.NOT_RETRYABLE);
          postTimeouts++;
        }
      }
      Pools.await("each timeout counted by the stuck backend", () -> stuck.requests() == lb.outcomes(Outcome.Kind.TIMEOUT));
      assertThat(postTimeouts).isPositive().isEqualTo(stuck.requests() - timeoutsBeforePosts);
      assertThat(stuck.requests() + healthy.requests()).isEqualTo(timeoutsBeforePosts + 4 + 4);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void deadline_stopsRetriesBeforeMaxAttempts() throws Exception {
    List<HttpTestBackend> stuck = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      stuck.add(new HttpTestBackend("s" + i, "127.0.1." + (i + 1)).behave(Behaviour.HANG));
    }
    try (CountingLoadBalancer lb = pool(listener().build(), stuck.stream().map(HttpTestBackend::backend)
        .toArray(io.lb4j.api.Backend[]::new))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(8).budgetRatio(1.0).budgetBurst(100).build())
          .attemptTimeout(Duration.ofMillis(200)).deadline(Duration.ofSeconds(1)).build();

      assertThatThrownBy(() -> client.send(get(client, "/"), BodyHandlers.ofString()))
          .isInstanceOf(RequestFailedException.class).hasCauseInstanceOf(HttpTimeoutException.class)
          .hasMessageEndingWith("; stopped: deadline reached (1s)")
          .extracting(e -> ((RequestFailedException) e).stopReason())
          .isEqualTo(RequestFailedException.StopReason.DEADLINE);

      // Each full attempt waits 200ms of the 1s deadline: at most 5 full ones and one cut short fit,
      // however slow the machine (a slower machine fits fewer, never more).
      Pools.await("each attempt counted by its backend", () -> lb.outcomes(Outcome.Kind.TIMEOUT)
          == stuck.stream().mapToInt(HttpTestBackend::requests).sum());
      assertThat(lb.outcomes(Outcome.Kind.TIMEOUT)).isBetween(1L, 6L);
      assertThat(lb.outstanding()).isZero();
    } finally {
      stuck.forEach(HttpTestBackend::close);
    }
  }

  @Test
  void response_withNoRetryableStatus_isReturnedAsIs() throws Exception {
    try (HttpTestBackend unavailable = new HttpTestBackend("u", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), unavailable.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().retryableStatuses(java.util.Set.of(502)).build()).build();

      HttpResponse<String> response = client.send(get(client, "/"), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).isEqualTo("busy");
      assertThat(unavailable.requests()).isEqualTo(1);
      assertThat(lb.outstanding()).isZero();
    }
  }

  static <T> List<T> runConcurrently(int threads, int perThread, Callable<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<T>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          List<T> results = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            results.add(call.call());
          }
          return results;
        }));
      }
      List<T> all = new ArrayList<>();
      for (Future<List<T>> f : futures) {
        all.addAll(f.get(Pools.DEADLINE.toSeconds() * 4, TimeUnit.SECONDS));
      }
      return all;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
