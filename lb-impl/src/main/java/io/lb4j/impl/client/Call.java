package io.lb4j.impl.client;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request of a {@link BalancedHttpClient}, from its first selection to the response handed to the
 * caller: sends attempts, decides retries and ends every attempt exactly once.
 *
 * <p>Attempts run one after the other: on the caller's thread ({@link #send()}), or each started by the
 * previous one's completion on the {@code HttpClient}'s threads or the backoff timer
 * ({@link #sendAsync()}), so {@link #attempts} and {@link #tried} are only touched by one thread at a
 * time, with happens-before through the futures and the timer. Cancellation of
 * {@link #result} may come from any thread: it ends the {@link #current} attempt and cancels the
 * exchange in flight; every later step checks {@code result.isDone()} and ends its attempt without
 * sending, so a selection can never outlive a cancelled call.
 *
 * <p>Not allocation-free, by design: a request allocates this object, an attempt per try and a copy of
 * the request, far less than the {@code HttpClient} exchange it drives. What it shares with other
 * requests (the load balancer's select and the retry budget) is lock-free.
 */
final class Call<T> {
  /** How often a retry re-selects to find a backend not tried yet before it settles for a tried one. */
  private static final int RESELECTS = 4;

  private final BalancedHttpClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final ClientSession session;
  private final RequestContext context;
  private final boolean idempotent;
  private final long deadlineNanos;
  /** The caller's future ({@link #sendAsync()}); for {@link #send()}, only cancelled when the caller is interrupted. */
  private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
  private final List<String> tried = new ArrayList<>(2);
  private int attempts;
  private volatile Attempt current;
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
    Selection first = client.lb.select(context);
    if (!first.hasBackend()) {
      result.completeExceptionally(noBackend(first));
      return result;
    }
    client.budget.onRequest();
    // The caller cancelled, or completed the future itself (orTimeout, completeExceptionally): end the
    // attempt and its exchange. Our own exceptional completions come after the attempt ended, so this is
    // a no-op for them (ending an attempt is idempotent, and cancelling a finished exchange does nothing).
    result.whenComplete((response, error) -> {
      if (error != null) {
        Attempt attempt = current;
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
    Selection first = client.lb.select(context);
    if (!first.hasBackend()) {
      throw noBackend(first);
    }
    client.budget.onRequest();
    Attempt attempt = nextAttempt(first);
    while (true) {
      Attempt sent = attempt;
      HttpResponse<T> response = null;
      Exception failure = null;
      try {
        response = client.http.send(backendRequest(sent), info -> onHeaders(sent, info));
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
      Attempt next;
      if (sent != current) {
        next = current; // the status was retryable: onHeaders planned the retry and dropped the body
      } else if (failure == null) {
        return response;
      } else {
        next = afterFailure(sent, failure);
        if (next == null) {
          if (failure instanceof IOException) {
            throw (IOException) failure;
          }
          throw (RuntimeException) failure;
        }
      }
      try {
        TimeUnit.NANOSECONDS.sleep(next.backoffNanos);
      } catch (InterruptedException e) {
        next.abandon();
        throw e;
      }
      attempt = next;
    }
  }

  private NoBackendException noBackend(Selection none) {
    return new NoBackendException(client.requests.pool(), none.reason());
  }

  private Attempt nextAttempt(Selection selection) {
    attempts++;
    Attempt attempt = new Attempt(client.lb, selection);
    tried.add(selection.backend().id());
    current = attempt;
    return attempt;
  }

  /**
   * The copy sent to the attempt's backend, with the attempt's timeout cut to what the deadline leaves;
   * the attempt counts as sent from here.
   */
  private HttpRequest backendRequest(Attempt attempt) {
    attempt.sending();
    long remaining = deadlineNanos - System.nanoTime();
    Duration timeout = request.timeout().orElse(client.attemptTimeout);
    if (timeout.toNanos() > remaining) {
      timeout = Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), remaining)); // positive, as the JDK requires
    }
    return client.requests.forBackend(request, attempt.selection, timeout);
  }

  private void sendAsync(Attempt attempt) {
    if (result.isDone()) {
      attempt.abandon();
      return;
    }
    CompletableFuture<HttpResponse<T>> exchange;
    try {
      exchange = client.http.sendAsync(backendRequest(attempt), info -> onHeaders(attempt, info));
    } catch (RuntimeException e) {
      attempt.abandon();
      result.completeExceptionally(e);
      return;
    }
    inFlight = exchange;
    exchange.whenComplete((response, error) -> onExchangeDone(attempt, response, error));
    if (result.isCancelled()) {
      exchange.cancel(true);
    }
  }

  /** Response headers of {@code attempt} arrived: retry it, or hand its body to the caller's handler. */
  private BodySubscriber<T> onHeaders(Attempt attempt, ResponseInfo info) {
    attempt.headersReceived(info.statusCode());
    // Server-cookie persistence learns the application's cookies; other modes ignore them.
    for (String setCookie : info.headers().allValues("Set-Cookie")) {
      client.lb.observeSetCookie(attempt.selection, setCookie);
    }
    if (result.isDone()) {
      attempt.abandon();
      return new DroppingSubscriber<>();
    }
    if (client.retryPolicy.isRetryableStatus(info.statusCode())) {
      // The retry is planned here, before the body, so that a response is either retried or handed to
      // the caller's handler, never both; it is sent once this exchange has ended.
      if (planRetry(true) != null) {
        attempt.finish(attempt.statusOutcome());
        return new DroppingSubscriber<>();
      }
    }
    if (session != null && attempt.selection.setCookie() != null) {
      session.remember(attempt.selection.setCookie());
    }
    try {
      return new ReleasingBodySubscriber<>(handler.apply(info), attempt);
    } catch (RuntimeException | Error e) {
      attempt.finish(attempt.statusOutcome());
      throw e;
    }
  }

  private void onExchangeDone(Attempt attempt, HttpResponse<T> response, Throwable error) {
    if (attempt != current) {
      retryAfterBackoff(current); // the status was retryable: onHeaders planned the retry and dropped the body
      return;
    }
    if (error == null) {
      if (!result.complete(response)) {
        closeQuietly(response.body()); // cancelled while the body handler ran: nobody will read it
      }
      return;
    }
    if (result.isDone()) {
      attempt.abandon();
      return;
    }
    Throwable cause = Failures.unwrap(error);
    Attempt retry = afterFailure(attempt, cause);
    if (retry != null) {
      retryAfterBackoff(retry);
    } else {
      result.completeExceptionally(cause);
    }
  }

  /**
   * Ends an attempt that failed with {@code cause} and plans the next one: the retry to send, or null
   * when the failure is the caller's answer. A failure that is not the backend's doing (the caller's
   * body handler threw, the client refused the request) is not reported; a response whose body failed
   * is committed and not retried.
   */
  private Attempt afterFailure(Attempt attempt, Throwable cause) {
    Outcome.Kind kind = Failures.kindOf(cause);
    if (kind == null) {
      attempt.abandon();
      return null;
    }
    attempt.finish(Outcome.failure(kind, attempt.latency()));
    if (attempt.headersReceived()) {
      return null;
    }
    return planRetry(kind != Outcome.Kind.CONNECT_FAILURE);
  }

  /**
   * The next attempt, with its backend selected, or null when no retry may be made: attempts used up,
   * a non-idempotent request that may have reached the server, the deadline too close, the budget
   * empty, or no eligible backend.
   */
  private Attempt planRetry(boolean mayHaveReachedServer) {
    RetryPolicy policy = client.retryPolicy;
    if (attempts >= policy.maxAttempts() || (mayHaveReachedServer && !idempotent)) {
      return null;
    }
    long backoffNanos = policy.backoffNanos(attempts, ThreadLocalRandom.current().nextDouble());
    // A retry needs room for its backoff and for an attempt of at least the shortest timeout.
    if (System.nanoTime() + backoffNanos + BalancedHttpClient.MIN_TIMEOUT.toNanos() - deadlineNanos >= 0) {
      return null;
    }
    // Requests that never left the client cost no token: no server saw them, so they add no load.
    if (mayHaveReachedServer && !client.budget.tryWithdraw()) {
      return null;
    }
    Selection next = selectUntried();
    if (next == null) {
      if (mayHaveReachedServer) {
        client.budget.refund();
      }
      return null;
    }
    Attempt attempt = nextAttempt(next);
    if (result.isDone()) { // the caller gave up meanwhile: whoever sees the other's write ends the attempt
      attempt.abandon();
      if (mayHaveReachedServer) {
        client.budget.refund();
      }
      return null;
    }
    attempt.backoffNanos = backoffNanos;
    return attempt;
  }

  /**
   * A backend not tried by this request where one is eligible, else a tried one, else null. The first
   * selection uses the request's context; later ones drop the session cookie and re-hash the key, the
   * way Envoy's ring hash re-picks on retry, so sticky and hashed requests can move off a failing
   * backend too.
   */
  private Selection selectUntried() {
    Selection fallback = null;
    for (int i = 0; i < RESELECTS; i++) {
      Selection s = client.lb.select(i == 0 ? context : rehashed(i));
      if (!s.hasBackend()) {
        continue;
      }
      if (!tried.contains(s.backend().id())) {
        if (fallback != null) {
          fallback.release();
        }
        return s;
      }
      if (fallback == null) {
        fallback = s;
      } else {
        s.release();
      }
    }
    return fallback;
  }

  private RequestContext rehashed(int salt) {
    RequestContext.Builder b = RequestContext.builder();
    if (context.hasHashKey()) {
      b.hashKey(RequestContext.mix64(context.hashKey() + salt));
    }
    return b.build();
  }

  private void retryAfterBackoff(Attempt attempt) {
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

  /**
   * Takes the body of a response that is retried or whose caller cancelled: cancels it at once (the
   * connection is closed rather than drained, so a slow error body does not delay the retry).
   */
  private static final class DroppingSubscriber<T> implements BodySubscriber<T> {
    private final CompletableFuture<T> body = CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<T> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }
}
