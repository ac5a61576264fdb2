package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.impl.client.RequestFailedException.StopReason;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request of a {@link BalancedHttpClient}, from its first selection to the response handed to the
 * caller: sends attempts, decides requeues and retries, ends every attempt exactly once, and when it
 * gives up says why in one {@link RequestFailedException}.
 *
 * <p>Attempts run one after the other: on the caller's thread ({@link #send()}), or each started by the
 * previous one's completion on the {@code HttpClient}'s threads or the backoff timer
 * ({@link #sendAsync()}), so the fields below that are not volatile are only touched by one thread at a
 * time, with happens-before through the futures and the timer. Cancellation of {@link #result} may come
 * from any thread: it ends the {@link #current} attempt and cancels the exchange in flight; every later
 * step checks {@code result.isDone()} and ends its attempt without sending, so a selection can never
 * outlive a cancelled call.
 *
 * <p>Not allocation-free, by design: a request allocates this object, an attempt and a copy of the
 * request, far less than the {@code HttpClient} exchange it drives. Everything about retries (the
 * backends tried, the failed attempts) is allocated only when a request is retried. What it shares with
 * other requests (the load balancer's select, the budgets, one counter) is lock-free.
 */
final class Call<T> {
  private final BalancedHttpClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final ClientSession session;
  private final RequestContext context;
  private final boolean idempotent;
  private final long deadlineNanos;
  /** The caller's future ({@link #sendAsync()}); for {@link #send()}, only cancelled when the caller is interrupted. */
  private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
  private int attempts;
  /** Retries sent so far (not requeues): numbers the backoff. */
  private int retries;
  /** The backends tried, for {@code select(context, excluded)}; null until the first retry. */
  private List<String> tried;
  /** The attempts that failed or got a retryable status, and why the request stopped; null until the first. */
  private AttemptHistory history;
  /** A retryable status that is to be thrown instead of returned ({@code retryableStatusAsException}). */
  private RequestFailedException statusFailure;
  private volatile Attempt<T> current;
  private volatile CompletableFuture<?> inFlight;

  Call(BalancedHttpClient client, HttpRequest request, BodyHandler<T> handler, ClientSession session,
      RequestContext context, boolean idempotent) {
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.session = session;
    this.context = context;
    this.idempotent = idempotent;
    this.deadlineNanos = System.nanoTime() + client.deadline.toNanos();
  }

  /** Sends the request without blocking: each attempt is started by the end of the one before. */
  CompletableFuture<HttpResponse<T>> sendAsync() {
    Selection first = firstSelection();
    if (!first.hasBackend()) {
      result.completeExceptionally(noBackend(first));
      return result;
    }
    // The caller cancelled, or completed the future itself (orTimeout, completeExceptionally): end the
    // attempt and its exchange. Our own exceptional completions come after the attempt ended, so this is
    // a no-op for them (ending an attempt is idempotent, and cancelling a finished exchange does nothing).
    result.whenComplete((response, error) -> {
      if (error != null) {
        Attempt<T> attempt = current;
        if (attempt != null) {
          attempt.abandon();
        }
        CompletableFuture<?> exchange = inFlight;
        if (exchange != null) {
          exchange.cancel(true);
        }
      }
    });
    sendAsync(nextAttempt(first));
    return result;
  }

  /**
   * Sends the request on the calling thread: each attempt is a blocking {@code HttpClient.send} and a
   * backoff sleeps. This saves the hand-off to the client's executor that {@code HttpClient.sendAsync}
   * makes for every response, which costs as much as the balancing itself on a busy machine (see
   * {@code HttpClientBenchmark}).
   */
  HttpResponse<T> send() throws IOException, InterruptedException {
    Selection first = firstSelection();
    if (!first.hasBackend()) {
      throw noBackend(first);
    }
    Attempt<T> attempt = nextAttempt(first);
    while (true) {
      Attempt<T> sent = attempt;
      HttpResponse<T> response = null;
      Exception failure = null;
      try {
        response = client.http.send(backendRequest(sent), sent);
      } catch (InterruptedException e) {
        // Mark the call over first: a retry that the client's thread plans from response headers at this
        // moment then sees it (planRetry checks after publishing the attempt), or is seen here.
        result.cancel(false);
        sent.abandon();
        current.abandon();
        throw e;
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      Attempt<T> next;
      if (sent != current) {
        next = current; // the status was retryable: onHeaders planned the retry and dropped the body
      } else if (failure == null) {
        if (statusFailure != null) {
          throw statusFailure;
        }
        if (sent.endsWithExchange) {
          sent.finish(sent.statusOutcome()); // the body has been read: release before the caller sees it
        }
        return response;
      } else {
        next = afterFailure(sent, failure);
        if (next == null) {
          if (stopped()) {
            throw failed(failure);
          }
          if (failure instanceof IOException) {
            throw (IOException) failure; // the caller's own failure, unchanged
          }
          throw (RuntimeException) failure;
        }
      }
      if (next.backoffNanos > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(next.backoffNanos);
        } catch (InterruptedException e) {
          next.abandon();
          throw e;
        }
      }
      attempt = next;
    }
  }

  private Selection firstSelection() {
    client.stats.requests.increment();
    Selection first = client.lb.select(context);
    if (first.hasBackend()) {
      client.retryBudget.onRequest();
      client.requeueBudget.onRequest();
    }
    return first;
  }

  private NoBackendException noBackend(Selection none) {
    client.stats.noBackend.increment();
    client.stats.failures.increment();
    return new NoBackendException(client.requests.pool(), none.reason());
  }

  private Attempt<T> nextAttempt(Selection selection) {
    attempts++;
    Attempt<T> attempt = new Attempt<>(this, client.lb, selection);
    if (tried != null) {
      tried.add(attempt.backendId());
    }
    current = attempt;
    return attempt;
  }

  /**
   * What is sent to the attempt's backend, with the attempt's timeout cut to what the deadline leaves;
   * the attempt counts as sent from here.
   */
  private HttpRequest backendRequest(Attempt<T> attempt) {
    long remaining = deadlineNanos - System.nanoTime();
    Optional<Duration> own = request.timeout();
    // The request's own Optional, or the client's: for speed, no new Optional unless the timeout is cut.
    Optional<Duration> timeout = own.isPresent() ? own : client.attemptTimeoutOption;
    // The first attempt starts microseconds after the deadline did: an attempt timeout no longer than the
    // deadline is kept as it is rather than cut by those microseconds into a new Duration.
    Duration wanted = timeout.get();
    boolean fits = attempts == 1 ? wanted.compareTo(client.deadline) <= 0 : wanted.toNanos() <= remaining;
    if (!fits) {
      // positive, as the JDK requires
      timeout = Optional.of(Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), remaining)));
    }
    attempt.sending(timeout.get());
    return client.requests.forBackend(request, attempt.selection, timeout);
  }

  private void sendAsync(Attempt<T> attempt) {
    if (result.isDone()) {
      attempt.abandon();
      return;
    }
    CompletableFuture<HttpResponse<T>> exchange;
    try {
      exchange = client.http.sendAsync(backendRequest(attempt), attempt);
    } catch (RuntimeException e) {
      attempt.abandon();
      result.completeExceptionally(e);
      return;
    }
    inFlight = exchange;
    exchange.whenComplete(attempt);
    if (result.isCancelled()) {
      exchange.cancel(true);
    }
  }

  /** Response headers of {@code attempt} arrived: retry it, or hand its body to the caller's handler. */
  BodySubscriber<T> onHeaders(Attempt<T> attempt, ResponseInfo info) {
    attempt.headersReceived(info.statusCode());
    // Server-cookie persistence learns the application's cookies; other modes ignore them.
    if (client.requests.observesSetCookies()) {
      for (String setCookie : info.headers().allValues("Set-Cookie")) {
        client.lb.observeSetCookie(attempt.selection, setCookie);
      }
    }
    client.requests.readLoadReport(client.lb, attempt.selection, info.headers());
    if (result.isDone()) {
      attempt.abandon();
      return new DroppingSubscriber<>();
    }
    if (client.retryPolicy.isRetryableStatus(info.statusCode())) {
      // The retry is planned here, before the body, so that a response is either retried or handed to
      // the caller's handler, never both; it is sent once this exchange has ended.
      recordFailure(attempt, Outcome.Kind.SERVER_ERROR, "HTTP " + info.statusCode(), null);
      if (planRetry(true, attempt) != null) {
        attempt.finish(attempt.statusOutcome());
        return new DroppingSubscriber<>();
      }
      if (client.retryableStatusAsException && stopped()) { // not stopped when the caller gave up meanwhile
        attempt.finish(attempt.statusOutcome());
        statusFailure = failed(null);
        return new DroppingSubscriber<>();
      }
    }
    if (session != null && attempt.selection.setCookie() != null) {
      session.remember(attempt.selection.setCookie());
    }
    BodySubscriber<T> body;
    try {
      body = handler.apply(info);
    } catch (RuntimeException | Error e) {
      attempt.finish(attempt.statusOutcome());
      throw e;
    }
    if (ReleasingBodySubscriber.endsWithExchange(body)) {
      attempt.endsWithExchange = true;
      return body;
    }
    return new ReleasingBodySubscriber<>(body, attempt);
  }

  void onExchangeDone(Attempt<T> attempt, HttpResponse<T> response, Throwable error) {
    if (attempt != current) {
      retryAfterBackoff(current); // the status was retryable: onHeaders planned the retry and dropped the body
      return;
    }
    if (error == null) {
      if (attempt.endsWithExchange) {
        attempt.finish(attempt.statusOutcome()); // the body has been read: release before the caller sees it
      }
      if (statusFailure != null) {
        result.completeExceptionally(statusFailure);
      } else if (!result.complete(response)) {
        closeQuietly(response.body()); // cancelled while the body handler ran: nobody will read it
      }
      return;
    }
    if (result.isDone()) {
      attempt.abandon();
      return;
    }
    Throwable cause = Failures.unwrap(error);
    Attempt<T> retry = afterFailure(attempt, cause);
    if (retry != null) {
      retryAfterBackoff(retry);
    } else {
      result.completeExceptionally(stopped() ? failed(cause) : cause);
    }
  }

  /**
   * Ends an attempt that failed with {@code cause} and plans the next one: the attempt to send, or null
   * when the request stops. A failure that is not the backend's doing (the caller's body handler threw,
   * the client refused the request) is not reported and leaves the call not {@link #stopped()}: it reaches
   * the caller unchanged. A response whose body failed is committed and not retried.
   */
  private Attempt<T> afterFailure(Attempt<T> attempt, Throwable cause) {
    Outcome.Kind kind = Failures.kindOf(cause);
    if (kind == null) {
      attempt.abandon();
      if (history != null) {
        history.clearStop();
      }
      return null;
    }
    attempt.finish(Outcome.failure(kind, attempt.latency()));
    Duration connectTimeout = client.http.connectTimeout().orElse(null);
    recordFailure(attempt, kind, Failures.describe(cause, kind, attempt.timeout, connectTimeout,
        attempt.headersReceived()), cause);
    if (attempt.headersReceived()) {
      return stop(StopReason.RESPONSE_STARTED, "");
    }
    return planRetry(kind != Outcome.Kind.CONNECT_FAILURE, attempt);
  }

  private void recordFailure(Attempt<T> attempt, Outcome.Kind kind, String description, Throwable cause) {
    if (history == null) {
      history = new AttemptHistory(client.retryPolicy.maxAttempts());
    }
    history.record(attempt, kind, description, cause);
  }

  /** Whether the request stopped after a failure of the backend's doing (and is to end in an exception). */
  private boolean stopped() {
    return history != null && history.stopped();
  }

  /** The exception for the stopped request, {@code last} its cause; counted as a failure. */
  private RequestFailedException failed(Throwable last) {
    client.stats.failures.increment();
    return history.exception(request, client.requests.pool(), attempts, last);
  }

  /**
   * The next attempt after {@code failed}, with its backend selected, or null with the history saying
   * why: attempts used up, a non-idempotent request that may have reached the server, the deadline too
   * close, the budget empty, or no backend left that this request has not tried. A request that never
   * left the client ({@code mayHaveReachedServer} false) is requeued: at once, on the requeue budget; any
   * other is retried after its backoff, on the retry budget.
   */
  private Attempt<T> planRetry(boolean mayHaveReachedServer, Attempt<T> failed) {
    RetryPolicy policy = client.retryPolicy;
    if (attempts >= policy.maxAttempts()) {
      return stop(StopReason.ATTEMPTS_USED_UP, " (" + attempts + " of " + policy.maxAttempts() + ")");
    }
    if (mayHaveReachedServer && !idempotent) {
      return stop(StopReason.NOT_RETRYABLE, " (" + request.method() + ")");
    }
    long backoffNanos = mayHaveReachedServer
        ? policy.backoffNanos(retries + 1, ThreadLocalRandom.current().nextDouble()) : 0;
    // A retry needs room for its backoff and for an attempt of at least the shortest timeout.
    if (System.nanoTime() + backoffNanos + BalancedHttpClient.MIN_TIMEOUT.toNanos() - deadlineNanos >= 0) {
      return stop(StopReason.DEADLINE, " (" + format(client.deadline) + ")");
    }
    boolean requeue = !mayHaveReachedServer;
    RetryBudget budget = requeue ? client.requeueBudget : client.retryBudget;
    if (!budget.tryWithdraw()) {
      client.stats.refused(failed.backendId(), requeue);
      client.budgetLog.refused();
      return requeue
          ? stop(StopReason.REQUEUE_BUDGET_EXHAUSTED, " (" + BudgetLog.percent(policy.requeueBudgetRatio())
              + " of requests + " + policy.requeueBudgetBurst() + ")")
          : stop(StopReason.RETRY_BUDGET_EXHAUSTED, " (" + BudgetLog.percent(policy.budgetRatio())
              + " of requests + " + policy.budgetBurst() + ")");
    }
    if (tried == null) {
      tried = new ArrayList<>(policy.maxAttempts());
      tried.add(current.backendId());
    }
    // Envoy's previous-hosts predicate: never a backend this request tried. A session bound to one moves.
    Selection next = client.lb.select(context, tried);
    if (!next.hasBackend()) {
      budget.refund();
      return stop(StopReason.NO_OTHER_BACKEND, ": " + next.reason().description());
    }
    Attempt<T> attempt = nextAttempt(next);
    if (result.isDone()) { // the caller gave up meanwhile: whoever sees the other's write ends the attempt
      attempt.abandon();
      budget.refund();
      history.clearStop();
      return null;
    }
    client.stats.sent(failed.backendId(), requeue);
    if (!requeue) {
      retries++;
    }
    attempt.backoffNanos = backoffNanos;
    return attempt;
  }

  private Attempt<T> stop(StopReason reason, String detail) {
    history.stop(reason, detail);
    return null;
  }

  private void retryAfterBackoff(Attempt<T> attempt) {
    if (attempt.backoffNanos == 0) {
      sendAsync(attempt); // a requeue (or a retry without backoff): at once, at most maxAttempts deep
      return;
    }
    try {
      CompletableFuture.delayedExecutor(attempt.backoffNanos, TimeUnit.NANOSECONDS).execute(() -> sendAsync(attempt));
    } catch (RuntimeException e) { // the timer refused the task: the retry is never sent
      attempt.abandon();
      result.completeExceptionally(e);
    }
  }

  private static void closeQuietly(Object body) {
    if (body instanceof AutoCloseable) {
      try {
        ((AutoCloseable) body).close();
      } catch (Exception ignored) {
        // the caller is gone; there is nobody to tell
      }
    }
  }
}
