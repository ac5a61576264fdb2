package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.get;
import static io.lb4j.impl.client.Pools.listener;
import static io.lb4j.impl.client.Pools.pool;
import static io.lb4j.impl.client.Pools.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lb4j.api.Backend;
import io.lb4j.api.Outcome;
import io.lb4j.impl.client.HttpTestBackend.Behaviour;
import io.lb4j.impl.client.RequestFailedException.StopReason;
import java.net.ConnectException;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 25, "the balanced client on a bad day": every backend refusing, resetting, answering 503 or not
 * answering, on real loopback sockets, with exact attempt counts. Health checks are off (as in the issue's
 * runs), so only the client decides what callers see.
 */
class BadDayTest {

  private static final RetryPolicy NO_BACKOFF = RetryPolicy.builder().initialBackoff(Duration.ZERO)
      .maxBackoff(Duration.ZERO).build();

  private static String address(Backend b) {
    return b.host() + ":" + b.port();
  }

  @Test
  void everyAttemptFailed_oneExceptionNamesThePoolEachBackendAndWhyItStopped() throws Exception {
    // Issue 25 item 1: every caller got "java.net.ConnectException: null", naming nothing.
    Backend d1 = HttpTestBackend.refusing("d1", "127.0.0.2");
    Backend d2 = HttpTestBackend.refusing("d2", "127.0.0.3");
    Backend d3 = HttpTestBackend.refusing("d3", "127.0.0.4");
    try (CountingLoadBalancer lb = pool(listener().build(), d1, d2, d3)) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      RequestFailedException e = catchThrowableOfType(() -> client.send(get(client, "/orders/42?x=1"),
          BodyHandlers.ofString()), RequestFailedException.class);

      assertThat(e.pool()).isEqualTo("web");
      assertThat(e.stopReason()).isEqualTo(StopReason.ATTEMPTS_USED_UP);
      assertThat(e.attempts()).extracting(FailedAttempt::backendId).containsExactlyInAnyOrder("d1", "d2", "d3");
      Map<String, String> addresses = Map.of("d1", address(d1), "d2", address(d2), "d3", address(d3));
      for (FailedAttempt a : e.attempts()) {
        assertThat(a.address()).isEqualTo(addresses.get(a.backendId()));
        assertThat(a.kind()).isEqualTo(Outcome.Kind.CONNECT_FAILURE);
        assertThat(a.description()).isEqualTo("connection refused");
      }
      assertThat(e).hasMessage("GET /orders/42 to pool 'web' failed after 3 attempts: "
          + e.attempts().stream().map(a -> a.backendId() + " " + a.address() + " connection refused")
              .collect(Collectors.joining("; "))
          + "; stopped: attempts used up (3 of 3)");
      assertThat(e.getCause()).isInstanceOf(ConnectException.class);
      assertThat(e.getSuppressed()).hasSize(2).allSatisfy(s -> assertThat(s).isInstanceOf(ConnectException.class));
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void resetAfterTheRequestWasSent_isNamedSo_andAPostThatMayHaveArrivedIsNotSentTwice() throws Exception {
    // Issue 25 item 1: a reset was "IOException: HTTP/1.1 header parser received no bytes".
    try (HttpTestBackend r1 = new HttpTestBackend("r1", "127.0.0.2").behave(Behaviour.RESET);
        HttpTestBackend r2 = new HttpTestBackend("r2", "127.0.0.3").behave(Behaviour.RESET);
        CountingLoadBalancer lb = pool(listener().build(), r1.backend(), r2.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF).build();

      RequestFailedException get = catchThrowableOfType(() -> client.send(get(client, "/a"), BodyHandlers.ofString()),
          RequestFailedException.class);
      RequestFailedException post = catchThrowableOfType(() -> client.send(post(client, "/b"),
          BodyHandlers.ofString()), RequestFailedException.class);

      // Two backends: the retry goes to the other one, and then none is left.
      assertThat(get.stopReason()).isEqualTo(StopReason.NO_OTHER_BACKEND);
      assertThat(get.attempts()).extracting(FailedAttempt::description)
          .containsExactly("reset after the request was sent", "reset after the request was sent");
      assertThat(get.getMessage()).startsWith("GET /a to pool 'web' failed after 2 attempts: ")
          .endsWith("; stopped: no other eligible backend: every eligible backend was already tried for this request");
      FailedAttempt only = post.attempts().get(0);
      assertThat(post).hasMessage("POST /b to pool 'web' failed after 1 attempt: " + only.backendId() + " "
          + only.address() + " reset after the request was sent; stopped: not retried: not idempotent and may"
          + " have reached the server (POST)");
      assertThat(post.getSuppressed()).isEmpty();
      assertThat(r1.methods.stream().filter("POST"::equals).count()
          + r2.methods.stream().filter("POST"::equals).count()).isEqualTo(1);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void timeouts_nameTheAttemptTimeout_andTheCauseIsTheJdksTimeout() throws Exception {
    try (HttpTestBackend s1 = new HttpTestBackend("s1", "127.0.0.2").behave(Behaviour.HANG);
        HttpTestBackend s2 = new HttpTestBackend("s2", "127.0.0.3").behave(Behaviour.HANG);
        CountingLoadBalancer lb = pool(listener().build(), s1.backend(), s2.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF)
          .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(60)).build();

      Throwable thrown = catchThrowable(() -> client.sendAsync(get(client, "/"), BodyHandlers.ofString()).join());

      assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(RequestFailedException.class);
      RequestFailedException e = (RequestFailedException) thrown.getCause();
      assertThat(e.stopReason()).isEqualTo(StopReason.NO_OTHER_BACKEND);
      assertThat(e.attempts()).extracting(FailedAttempt::description)
          .containsExactly("no response within 300ms", "no response within 300ms");
      assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class);
      assertThat(e.getSuppressed()).hasSize(1);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void budgetExhaustion_isCounted_andTheCallerCanTell() throws Exception {
    // Issue 25 item 2: 576 of 1,000 callers got a 503 after the budget ran out, and nothing said so.
    try (HttpTestBackend u1 = new HttpTestBackend("u1", "127.0.0.2").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend u2 = new HttpTestBackend("u2", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), u1.backend(), u2.backend())) {
      RetryPolicy policy = NO_BACKOFF.toBuilder().maxAttempts(2).budgetRatio(0).budgetBurst(3).build();
      BalancedHttpClient returning = BalancedHttpClient.builder(lb).retryPolicy(policy).build();
      BalancedHttpClient throwing = BalancedHttpClient.builder(lb).retryPolicy(policy)
          .retryableStatusAsException(true).build();

      for (int i = 0; i < 10; i++) {
        assertThat(returning.send(get(returning, "/"), BodyHandlers.ofString()).statusCode()).isEqualTo(503);
      }
      Map<StopReason, Integer> reasons = new EnumMap<>(StopReason.class);
      List<String> messages = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        RequestFailedException e = catchThrowableOfType(() -> throwing.send(get(throwing, "/"),
            BodyHandlers.ofString()), RequestFailedException.class);
        reasons.merge(e.stopReason(), 1, Integer::sum);
        messages.add(e.getMessage());
        assertThat(e.getCause()).isNull();
        assertThat(e.attempts()).allSatisfy(a -> {
          assertThat(a.status()).isEqualTo(503);
          assertThat(a.description()).isEqualTo("HTTP 503");
        });
      }

      // Three tokens, never refilled: three requests are retried, seven are refused a retry.
      for (BalancedHttpClient client : List.of(returning, throwing)) {
        ClientMetrics m = client.metrics();
        assertThat(m.requests()).isEqualTo(10);
        assertThat(m.retries()).isEqualTo(3);
        assertThat(m.retriesRefused()).isEqualTo(7);
        assertThat(m.attempts()).isEqualTo(13);
        assertThat(m.byBackend().values().stream().mapToLong(ClientMetrics.BackendCounts::refused).sum())
            .isEqualTo(7);
        assertThat(m.byBackend().keySet()).containsExactlyInAnyOrder("u1", "u2");
        assertThat(m.retryTokens()).isZero();
      }
      assertThat(returning.metrics().failures()).isZero();
      assertThat(throwing.metrics().failures()).isEqualTo(10);
      assertThat(reasons).containsExactly(Map.entry(StopReason.ATTEMPTS_USED_UP, 3),
          Map.entry(StopReason.RETRY_BUDGET_EXHAUSTED, 7));
      assertThat(messages.get(9)).matches("GET / to pool 'web' failed after 1 attempt: u[12] 127\\.0\\.0\\.[23]:\\d+"
          + " HTTP 503; stopped: retry budget exhausted \\(0% of requests \\+ 3\\)");
      assertThat(u1.requests() + u2.requests()).isEqualTo(26);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void budgetExhaustedAfterAReset_theExceptionNamesTheBudget() throws Exception {
    // Issue 19 item 6: when the budget was spent the caller saw only "header parser received no bytes".
    try (HttpTestBackend r1 = new HttpTestBackend("r1", "127.0.0.2").behave(Behaviour.RESET);
        HttpTestBackend r2 = new HttpTestBackend("r2", "127.0.0.3").behave(Behaviour.RESET);
        CountingLoadBalancer lb = pool(listener().build(), r1.backend(), r2.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(2).budgetRatio(0).budgetBurst(1).build()).build();

      RequestFailedException spent = catchThrowableOfType(() -> client.send(get(client, "/a"),
          BodyHandlers.ofString()), RequestFailedException.class);
      RequestFailedException refused = catchThrowableOfType(() -> client.send(get(client, "/b"),
          BodyHandlers.ofString()), RequestFailedException.class);

      assertThat(spent.stopReason()).isEqualTo(StopReason.ATTEMPTS_USED_UP);
      assertThat(spent.attempts()).hasSize(2);
      assertThat(refused.stopReason()).isEqualTo(StopReason.RETRY_BUDGET_EXHAUSTED);
      FailedAttempt only = refused.attempts().get(0);
      assertThat(refused).hasMessage("GET /b to pool 'web' failed after 1 attempt: " + only.backendId() + " "
          + only.address() + " reset after the request was sent; stopped: retry budget exhausted (0% of requests"
          + " + 1)");
      assertThat(refused.getCause()).hasMessageContaining("header parser received no bytes");
      assertThat(client.metrics().retriesRefused()).isEqualTo(1);
      assertThat(client.metrics().byBackend().get(only.backendId()).refused()).isEqualTo(1);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void allBackendsDown_connectionAttemptsStayWithinTheStatedBound_exactly() throws Exception {
    // Issue 25 item 3: with every backend closed each request made 3 attempts, 3,000 for 1,000 requests.
    int requests = 100;
    try (CountingLoadBalancer lb = pool(listener().build(), HttpTestBackend.refusing("d1", "127.0.0.2"),
        HttpTestBackend.refusing("d2", "127.0.0.3"), HttpTestBackend.refusing("d3", "127.0.0.4"))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build(); // the defaults: 3 attempts, 100% + 10

      Map<StopReason, Integer> reasons = new EnumMap<>(StopReason.class);
      for (int i = 0; i < requests; i++) {
        RequestFailedException e = catchThrowableOfType(() -> client.send(get(client, "/"), BodyHandlers.ofString()),
            RequestFailedException.class);
        reasons.merge(e.stopReason(), 1, Integer::sum);
      }

      long attempts = lb.outcomes(Outcome.Kind.CONNECT_FAILURE);
      int[] model = requeuesAllowedByBucket(1.0, 10, requests, 3);
      assertThat(attempts).isEqualTo(requests + model[0]);
      assertThat(attempts).isLessThanOrEqualTo(2L * requests + 10); // RetryPolicy's stated bound
      assertThat(reasons).containsOnlyKeys(StopReason.ATTEMPTS_USED_UP, StopReason.REQUEUE_BUDGET_EXHAUSTED)
          .containsEntry(StopReason.ATTEMPTS_USED_UP, model[1]);
      ClientMetrics m = client.metrics();
      assertThat(m.attempts()).isEqualTo(attempts);
      assertThat(m.requeues()).isEqualTo(model[0]);
      assertThat(m.requeuesRefused()).isEqualTo(requests - model[1]);
      assertThat(m.retries()).isZero();
      assertThat(m.failures()).isEqualTo(requests);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void allBackendsDown_boundHoldsWithConcurrentCallers() throws Exception {
    int threads = 8;
    int perThread = 25;
    try (CountingLoadBalancer lb = pool(listener().build(), HttpTestBackend.refusing("d1", "127.0.0.2"),
        HttpTestBackend.refusing("d2", "127.0.0.3"), HttpTestBackend.refusing("d3", "127.0.0.4"))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .retryPolicy(RetryPolicy.builder().requeueBudgetRatio(0.2).requeueBudgetBurst(5).build()).build();

      List<String> outcomes = RetryTest.runConcurrently(threads, perThread, () -> {
        try {
          client.send(get(client, "/"), BodyHandlers.discarding());
          return "answered";
        } catch (RequestFailedException e) {
          return e.stopReason().name();
        }
      });

      int n = threads * perThread;
      assertThat(outcomes).hasSize(n).doesNotContain("answered");
      long attempts = lb.outcomes(Outcome.Kind.CONNECT_FAILURE);
      assertThat(attempts - n).isBetween(5L, 5L + (long) (0.2 * n));
      assertThat(client.metrics().attempts()).isEqualTo(attempts);
      assertThat(client.metrics().requeues() + client.metrics().requeuesRefused()
          + outcomes.stream().filter("ATTEMPTS_USED_UP"::equals).count()).isEqualTo(attempts);
      assertThat(lb.outstanding()).isZero();
    }
  }

  /**
   * {requeues sent, requests that used all their attempts} when every connection is refused, by the token
   * bucket: it starts with {@code burst} tokens, each request adds {@code ratio} of one (never above
   * {@code burst}), each requeue takes a whole one.
   */
  private static int[] requeuesAllowedByBucket(double ratio, int burst, int requests, int maxAttempts) {
    long milliTokens = burst * 1000L;
    int requeues = 0;
    int usedUp = 0;
    for (int i = 0; i < requests; i++) {
      milliTokens = Math.min(burst * 1000L, milliTokens + Math.round(ratio * 1000));
      int attempt = 1;
      while (attempt < maxAttempts && milliTokens >= 1000) {
        milliTokens -= 1000;
        requeues++;
        attempt++;
      }
      if (attempt == maxAttempts) {
        usedUp++;
      }
    }
    return new int[] {requeues, usedUp};
  }

  @Test
  void requeue_goesToAnotherBackendAtOnce_whileARetryWaitsItsBackoff() throws Exception {
    // Issue 25 item 4: a retry after a refused connect waited the full backoff. A backoff longer than the
    // deadline shows which attempts wait without timing anything: a retry that must wait cannot be made.
    try (HttpTestBackend healthy = new HttpTestBackend("ok", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), HttpTestBackend.refusing("down", "127.0.0.2"),
            healthy.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).deadline(Duration.ofSeconds(30))
          .retryPolicy(RetryPolicy.builder().initialBackoff(Duration.ofSeconds(60)).maxBackoff(Duration.ofSeconds(60))
              .build()).build();

      for (int i = 0; i < 10; i++) {
        assertThat(client.send(post(client, "/"), BodyHandlers.ofString()).body()).isEqualTo("ok");
      }
      assertThat(client.metrics().requeues()).isPositive().isEqualTo(lb.outcomes(Outcome.Kind.CONNECT_FAILURE));

      healthy.behave(Behaviour.UNAVAILABLE);
      BalancedHttpClient throwing = BalancedHttpClient.builder(lb).deadline(Duration.ofSeconds(30))
          .retryPolicy(client.retryPolicy).retryableStatusAsException(true).build();
      int requeued = 0;
      for (int i = 0; i < 4; i++) {
        RequestFailedException e = catchThrowableOfType(() -> throwing.send(get(throwing, "/"),
            BodyHandlers.ofString()), RequestFailedException.class);
        // Started on the refusing backend or not, the request reached the live one; its 503 could only be
        // retried after the backoff, which the deadline does not leave room for.
        assertThat(e.stopReason()).isEqualTo(StopReason.DEADLINE);
        FailedAttempt last = e.attempts().get(e.attempts().size() - 1);
        assertThat(last.backendId()).isEqualTo("ok");
        assertThat(last.description()).isEqualTo("HTTP 503");
        if (e.attempts().size() == 2) {
          assertThat(e.attempts().get(0).description()).isEqualTo("connection refused");
          requeued++;
        }
      }
      assertThat(throwing.metrics().requeues()).isEqualTo(requeued);
      assertThat(throwing.metrics().retries()).isZero();
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void retry_neverGoesBackToATriedBackend_andSaysSoWhenNoneIsLeft() throws Exception {
    // Issue 25 item 6: with one backend eligible, a timed-out request was retried on the same slow backend.
    try (HttpTestBackend slow = new HttpTestBackend("slow", "127.0.0.2").behave(Behaviour.HANG);
        HttpTestBackend u1 = new HttpTestBackend("u1", "127.0.0.3").behave(Behaviour.UNAVAILABLE);
        HttpTestBackend u2 = new HttpTestBackend("u2", "127.0.0.4").behave(Behaviour.UNAVAILABLE)) {
      try (CountingLoadBalancer lb = pool(listener().build(), slow.backend())) {
        BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF)
            .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(60)).build();

        RequestFailedException e = catchThrowableOfType(() -> client.send(get(client, "/"), BodyHandlers.ofString()),
            RequestFailedException.class);

        assertThat(e.stopReason()).isEqualTo(StopReason.NO_OTHER_BACKEND);
        assertThat(e).hasMessage("GET / to pool 'web' failed after 1 attempt: slow " + address(slow.backend())
            + " no response within 300ms; stopped: no other eligible backend: every eligible backend was already"
            + " tried for this request");
        Pools.await("the timed-out request counted by the slow backend", () -> slow.requests() == 1);
        assertThat(lb.outcomes(Outcome.Kind.TIMEOUT)).isEqualTo(1);
        assertThat(lb.outstanding()).isZero();
      }
      try (CountingLoadBalancer lb = pool(listener().build(), u1.backend(), u2.backend())) {
        BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF.toBuilder().maxAttempts(5)
            .budgetRatio(1.0).budgetBurst(100).build()).retryableStatusAsException(true).build();

        for (int i = 0; i < 10; i++) {
          RequestFailedException e = catchThrowableOfType(() -> client.send(get(client, "/"),
              BodyHandlers.ofString()), RequestFailedException.class);
          assertThat(e.stopReason()).isEqualTo(StopReason.NO_OTHER_BACKEND);
          assertThat(e.attempts()).extracting(FailedAttempt::backendId).containsExactlyInAnyOrder("u1", "u2");
        }
        assertThat(u1.requests() + u2.requests()).isEqualTo(20);
        assertThat(lb.outstanding()).isZero();
      }
    }
  }

  @Test
  void noBackendException_keepsItsReason_andIsARequestFailedException() throws Exception {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      assertThatThrownBy(() -> client.send(get(client, "/"), BodyHandlers.ofString()))
          .isInstanceOf(NoBackendException.class).isInstanceOf(RequestFailedException.class)
          .hasMessage("no backend in pool 'web': no backends configured")
          .satisfies(e -> {
            assertThat(((NoBackendException) e).reason()).isEqualTo(io.lb4j.api.scheduler.NoBackendReason.NO_BACKENDS);
            assertThat(((RequestFailedException) e).stopReason()).isEqualTo(StopReason.NO_BACKEND);
            assertThat(((RequestFailedException) e).attempts()).isEmpty();
          });
      assertThat(client.metrics().noBackend()).isEqualTo(1);
      assertThat(client.metrics().attempts()).isZero();
    }
  }
}
