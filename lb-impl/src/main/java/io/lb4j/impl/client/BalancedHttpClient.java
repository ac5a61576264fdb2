package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.checkArgument;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.LoadBalancers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HttpClient} balanced over a {@link LoadBalancer}'s pool: each request is addressed to the
 * pool by name ({@code http://<pool name>/path}, see {@link #uri(String)}; the name is the listener's, or
 * the one given to a client-side pool), sent to a selected backend, its
 * result reported to the load balancer, and retried on another backend when that is safe (see
 * {@link RetryPolicy}).
 *
 * <pre>{@code
 * BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
 * HttpResponse<String> r = client.send(HttpRequest.newBuilder(client.uri("/orders/42")).build(),
 *     HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <p><b>Each request:</b> selects a backend (none eligible: {@link NoBackendException} with the
 * reason, at once, without any network call); sends a copy of the request to the backend's address
 * with the per-attempt timeout; maps the result to an {@code Outcome} (the status, or a connect
 * failure, a timeout, a reset) and reports it; releases the selection when the response body has been
 * read to the end or closed, on failure, on retry and on cancellation. A streamed body
 * ({@code BodyHandlers.ofInputStream()}, {@code ofPublisher()}) must be read to the end or closed, as
 * with {@code HttpClient} itself: until then its backend counts the request as active.
 *
 * <p><b>Requeues and retries</b> follow {@link RetryPolicy}: a request whose connection was refused or
 * failed goes to another backend at once (a requeue, Finagle's word), one that a backend may have seen
 * is retried after a backoff when it is idempotent; each draws on its own budget, and no attempt ever
 * goes to a backend this request already tried
 * ({@link LoadBalancer#select(io.lb4j.api.RequestContext, java.util.Collection)}, Envoy's previous-hosts
 * predicate).
 *
 * <p><b>When it gives up.</b> A request that failed on every attempt ends in one
 * {@link RequestFailedException} (gRPC's way: one exception type for every failure of a call), whose
 * message names the pool, each attempt's backend and what happened there, and why the client stopped
 * (attempts used up, a budget exhausted, the deadline, no other eligible backend, not idempotent); the
 * last attempt's JDK exception is its cause. A request whose last attempt got an answer returns that
 * answer, even a 503: like {@code HttpClient}, the client leaves statuses to the caller. To tell that a
 * retryable status (a 503 say) was returned because no retry could be made, the budget being empty for
 * example, set {@link Builder#retryableStatusAsException(boolean)}: such a response is then thrown as
 * {@link RequestFailedException} whose {@link RequestFailedException#stopReason()} says why. Either way
 * every refusal by a budget is counted ({@link #metrics()}: {@code retriesRefused}, Envoy's
 * {@code upstream_rq_retry_overflow}), logged at WARN at most once per 10 seconds with the backends whose
 * answers spent the budget, and reported by {@code Diagnostics.examine(pool, client.metrics())}.
 *
 * <p><b>Timeouts.</b> Each attempt gets the request's own timeout if it has one, else
 * {@link Builder#attemptTimeout}; the whole request (attempts and backoffs) ends by
 * {@link Builder#deadline}. Like {@code HttpRequest.timeout}, both run until the response headers
 * arrive; reading the body is the caller's.
 *
 * <p><b>Request bodies</b> are sent once per attempt, so a request to be retried needs a body publisher
 * that can be subscribed more than once (every {@code BodyPublishers.of...} can; {@code fromPublisher}
 * only if its publisher can).
 *
 * <p><b>{@code Host}.</b> By default a backend receives {@code Host: <address>:<port>}, what
 * {@code HttpClient} sends for the address it connects to (the resolved address for HTTP, the backend's
 * host name for HTTPS). Virtual-hosted backends need the service's
 * name instead: set {@link Builder#hostHeader(String)}. The JDK refuses to send a {@code Host} header
 * unless the system property {@code jdk.httpclient.allowRestrictedHeaders} includes {@code host} (for
 * example {@code -Djdk.httpclient.allowRestrictedHeaders=host} on the command line: the JDK reads it
 * once, when the HTTP client classes load), so {@link Builder#build()} refuses a host header when the
 * property does not allow it, instead of failing on every request.
 *
 * <p><b>The JDK's own retries</b> happen below this client, on the same backend, and each counts as one
 * attempt here: {@code HttpClient} tries a refused connection once more at once (within the same connect
 * timeout), and sends a GET or HEAD once more on a new connection when a pooled one turns out to be
 * closed. So one attempt to a backend that refuses connections is two connection attempts, and the bound
 * in {@link RetryPolicy} doubles in connection attempts. On JDK 17 and 25 alike the connect retry is
 * switched off only JVM-wide, by the system property {@code jdk.httpclient.disableRetryConnect=true}
 * (or {@code net.properties}), which the JDK reads once, when its HTTP client classes load; it has no
 * setting per {@code HttpClient}. This client therefore cannot turn it off for its own default
 * {@code HttpClient} without changing every other {@code HttpClient} of the application, and does not:
 * set {@code -Djdk.httpclient.disableRetryConnect=true} on the command line to make each attempt one
 * connection attempt.
 *
 * <p><b>Session persistence.</b> With inserted-cookie persistence, requests sent through a
 * {@link #newSession() session} keep its cookie and stay on one backend; requests sent through the
 * client each count as a new client. With server-cookie persistence the request's own {@code Cookie}
 * header is matched and every {@code Set-Cookie} of a response is shown to the load balancer. For hash
 * schedulers, {@link Builder#hashKey(Function)} derives the key from the request. A retry selects with
 * the same cookie and key but never a backend already tried: a session bound to the failed backend moves
 * (the session keeps the new backend's cookie), and a hash scheduler picks the owner of a re-hashed key.
 *
 * <p><b>Threads and lifecycle.</b> Thread-safe; one client serves any number of concurrent requests.
 * It starts no thread of its own: I/O runs on the {@code HttpClient}'s threads, backoffs on
 * {@link CompletableFuture#delayedExecutor}. It does not own the load balancer (close that yourself);
 * the default {@code HttpClient} it creates stops its threads when the client becomes unreachable.
 *
 * @since 0.1.0
 */
public final class BalancedHttpClient {

  /** The connect timeout of the {@code HttpClient} created when none is given, unless the attempt timeout is shorter. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
  static final Duration MAX_ATTEMPT_TIMEOUT = Duration.ofSeconds(180);
  static final Duration MAX_DEADLINE = Duration.ofSeconds(600);
  static final String ALLOW_RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";
  private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  private static final Logger log = LoggerFactory.getLogger(BalancedHttpClient.class);

  final LoadBalancer lb;
  final HttpClient http;
  final RetryPolicy retryPolicy;
  final RetryBudget retryBudget;
  final RetryBudget requeueBudget;
  final ClientStats stats = new ClientStats();
  final BudgetLog budgetLog;
  final Duration attemptTimeout;
  /** {@link #attemptTimeout} as the attempts' requests return it, made once. */
  final Optional<Duration> attemptTimeoutOption;
  final Duration deadline;
  final PoolRequests requests;
  final boolean retryableStatusAsException;
  private final Predicate<HttpRequest> idempotent;

  private BalancedHttpClient(Builder b) {
    this.lb = b.lb;
    this.retryPolicy = b.retryPolicy;
    this.retryBudget = RetryBudget.retries(b.retryPolicy);
    this.requeueBudget = RetryBudget.requeues(b.retryPolicy);
    this.budgetLog = new BudgetLog(lb.name(), retryPolicy, stats, System::nanoTime, log::warn);
    this.retryableStatusAsException = b.retryableStatusAsException;
    this.deadline = b.effectiveDeadline();
    this.attemptTimeout = b.attemptTimeout != null ? b.attemptTimeout : deadline;
    this.attemptTimeoutOption = Optional.of(attemptTimeout);
    this.http = b.http != null ? b.http : HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(attemptTimeout.compareTo(DEFAULT_CONNECT_TIMEOUT) < 0 ? attemptTimeout : DEFAULT_CONNECT_TIMEOUT)
        .build();
    this.requests = new PoolRequests(lb.name(), b.effectiveBackendProtocol() == Protocol.HTTPS ? "https" : "http",
        b.hostHeader, b.hashKey, persistenceOf(lb), lb.settings().loadAware()
            .filter(p -> p.signal() == LoadAwarePolicy.Signal.BACKEND_REPORTS).isPresent());
    this.idempotent = b.idempotent;
  }

  /** The pool's session persistence. */
  private static SessionPersistence.Mode persistenceOf(LoadBalancer lb) {
    return lb.settings().sessionPersistence().mode();
  }

  /**
   * A builder for a client over {@code lb}: a client-side pool ({@code LoadBalancers.builder()}), or a
   * pool with a listener that speaks HTTP or HTTPS to its backends.
   *
   * @param lb the load balancer whose pool the client sends to
   * @return a builder with the defaults
   */
  public static Builder builder(LoadBalancer lb) {
    return new Builder(lb);
  }

  /**
   * The URI of {@code pathAndQuery} in this client's pool, for example {@code uri("/orders?id=42")} is
   * {@code http://web/orders?id=42} for a pool named {@code web}.
   *
   * @param pathAndQuery an absolute path, optionally with a query, already percent-encoded
   * @return the URI to build requests with
   * @throws IllegalArgumentException when {@code pathAndQuery} does not start with {@code /} or is not a valid URI part
   */
  public URI uri(String pathAndQuery) {
    return requests.uri(pathAndQuery);
  }

  /**
   * A new client session that keeps the load balancer's session cookie (inserted-cookie persistence).
   *
   * @return a session with no cookie yet
   */
  public ClientSession newSession() {
    return new ClientSession(this);
  }

  /**
   * Sends {@code request} to a backend of the pool, retrying on another backend where the
   * {@link RetryPolicy} allows, and waits for the response.
   *
   * @param <T> the response body type
   * @param request a request whose URI names the pool as its host ({@link #uri(String)})
   * @param handler the response body handler, applied to the response that is returned (never to a
   *     response that is retried)
   * @return the response of the last attempt
   * @throws NoBackendException when no backend was eligible for the first attempt (nothing was sent)
   * @throws RequestFailedException when every attempt failed, naming each and why the client stopped
   *     (with {@link Builder#retryableStatusAsException(boolean)}, also when the last attempt's answer
   *     had a retryable status)
   * @throws IOException what the caller's body handler threw, unchanged
   * @throws InterruptedException when the calling thread is interrupted; the request is cancelled and
   *     its backend released
   * @throws IllegalArgumentException when the request's URI does not name this client's pool
   */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return send(request, handler, null);
  }

  /**
   * Sends {@code request} like {@link #send} without blocking.
   *
   * <p>Cancelling the returned future cancels the attempt in flight (or the pending retry) and
   * releases its backend; once the future has completed, the response body is the caller's to read or
   * close.
   *
   * @param <T> the response body type
   * @param request a request whose URI names the pool as its host ({@link #uri(String)})
   * @param handler the response body handler
   * @return the response of the last attempt, or its failure: {@link RequestFailedException} as for
   *     {@link #send}, {@link NoBackendException} at once when no backend was eligible
   * @throws IllegalArgumentException when the request's URI does not name this client's pool
   */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return sendAsync(request, handler, null);
  }

  <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, ClientSession session)
      throws IOException, InterruptedException {
    return newCall(request, handler, session).send();
  }

  <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      ClientSession session) {
    return newCall(request, handler, session).sendAsync();
  }

  private <T> Call<T> newCall(HttpRequest request, HttpResponse.BodyHandler<T> handler, ClientSession session) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(handler, "handler");
    requests.checkInPool(request.uri());
    return new Call<>(this, request, handler, session, requests.contextFor(request, session), isIdempotent(request));
  }

  /**
   * The client's counters now: requests, attempts, retries and requeues, those the budgets refused and
   * by which backends' answers, failures, and the tokens left.
   *
   * @return a snapshot; cheap enough to read on every scrape
   */
  public ClientMetrics metrics() {
    return stats.snapshot(lb.name(), retryPolicy, retryBudget, requeueBudget);
  }

  boolean isIdempotent(HttpRequest request) {
    return IDEMPOTENT_METHODS.contains(request.method()) || idempotent.test(request);
  }

  @Override
  public String toString() {
    return "BalancedHttpClient{" + requests + " attemptTimeout=" + format(attemptTimeout) + " deadline="
        + format(deadline) + " " + retryPolicy + (retryableStatusAsException ? " retryableStatusAsException" : "")
        + "}";
  }

  /**
   * Builds a {@link BalancedHttpClient}. Each setter validates its value ({@link IllegalArgumentException}
   * naming the field, value and allowed range) and keeps the previous value when it throws;
   * {@link #build()} checks rules that span settings ({@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private final LoadBalancer lb;
    private Protocol backendProtocol;
    private HttpClient http;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private Duration attemptTimeout;
    private Duration deadline;
    private String hostHeader;
    private Function<HttpRequest, ? extends CharSequence> hashKey;
    private Predicate<HttpRequest> idempotent = request -> request.headers().firstValue("Idempotency-Key").isPresent();
    private boolean retryableStatusAsException;

    private Builder(LoadBalancer lb) {
      this.lb = Objects.requireNonNull(lb, "lb");
    }

    /**
     * The client to send with (default: HTTP/1.1, no redirects, connect timeout
     * {@link #DEFAULT_CONNECT_TIMEOUT} or the attempt timeout if shorter). Its connect timeout bounds
     * how long a backend that drops connection attempts delays a retry on another; redirects it follows
     * leave the pool.
     *
     * @param http the client
     * @return this builder
     */
    public Builder httpClient(HttpClient http) {
      this.http = Objects.requireNonNull(http, "httpClient");
      return this;
    }

    /**
     * The protocol spoken to backends, HTTP or HTTPS (default: the listener's backend protocol, HTTP
     * for a client-side pool).
     *
     * @param protocol HTTP or HTTPS
     * @return this builder
     */
    public Builder backendProtocol(Protocol protocol) {
      Objects.requireNonNull(protocol, "client.backendProtocol");
      checkArgument(protocol.isLayer7(), "client.backendProtocol", "HTTP or HTTPS", protocol);
      this.backendProtocol = protocol;
      return this;
    }

    /**
     * When and how often to retry (default {@link RetryPolicy#defaults()}; {@link RetryPolicy#none()}
     * never retries).
     *
     * @param policy the retry policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "client.retryPolicy");
      return this;
    }

    /**
     * How long one attempt may wait for response headers, 10ms-180s (default: the deadline). A request's
     * own {@code HttpRequest.timeout} takes its place for that request. Shorter than the deadline, it
     * leaves time to retry an idempotent request on another backend after a timeout.
     *
     * @param timeout the per-attempt timeout
     * @return this builder
     */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = checkRange("client.attemptTimeout", timeout, MIN_TIMEOUT, MAX_ATTEMPT_TIMEOUT);
      return this;
    }

    /**
     * How long a request may take, every attempt and backoff included, until its response headers,
     * 10ms-600s (default: the listener's request timeout, or {@link Listener#DEFAULT_REQUEST_TIMEOUT}
     * for a client-side pool). No retry starts after it.
     *
     * @param deadline the overall deadline
     * @return this builder
     */
    public Builder deadline(Duration deadline) {
      this.deadline = checkRange("client.deadline", deadline, MIN_TIMEOUT, MAX_DEADLINE);
      return this;
    }

    /**
     * The {@code Host} header sent to every backend (default: none, the backend's address), for
     * virtual-hosted backends: 1-255 characters of a-z A-Z 0-9 '-' '.' ':' '[' ']'. Needs the system
     * property {@code jdk.httpclient.allowRestrictedHeaders} to include {@code host}.
     *
     * @param host the host name, optionally with a port
     * @return this builder
     */
    public Builder hostHeader(String host) {
      Objects.requireNonNull(host, "client.hostHeader");
      boolean valid = !host.isEmpty() && host.length() <= 255 && host.chars().allMatch(c ->
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '.' || c == ':' || c == '[' || c == ']');
      checkArgument(valid, "client.hostHeader", "1-255 characters of a-z A-Z 0-9 '-' '.' ':' '[' ']'",
          "'" + host + "'");
      this.hostHeader = host;
      return this;
    }

    /**
     * Derives the hash key of consistent-hash scheduling from a request, for example a header
     * ({@code r -> r.headers().firstValue("X-User").orElse(null)}); null from the function means no key.
     *
     * @param key the function, called once per request
     * @return this builder
     */
    public Builder hashKey(Function<HttpRequest, ? extends CharSequence> key) {
      this.hashKey = Objects.requireNonNull(key, "client.hashKey");
      return this;
    }

    /**
     * Which requests besides GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent and may be
     * retried after they may have reached a server (default: those with an {@code Idempotency-Key}
     * header).
     *
     * @param idempotent true for a request the server handles safely more than once
     * @return this builder
     */
    public Builder idempotentWhen(Predicate<HttpRequest> idempotent) {
      this.idempotent = Objects.requireNonNull(idempotent, "client.idempotentWhen");
      return this;
    }

    /**
     * Whether an answer with a retryable status ({@link RetryPolicy#retryableStatuses()}, 502, 503 and 504 by
     * default) that no further attempt could replace is thrown as {@link RequestFailedException} instead
     * of returned (default false: returned, as {@code HttpClient} returns every status). The exception's
     * {@link RequestFailedException#stopReason()} says why no retry was made: a budget was empty, the
     * attempts were used up, the deadline came, no other backend was left, or the request was not
     * idempotent; its attempts list every answer and failure. The answer's body is discarded. gRPC treats
     * such a status as a failed call too.
     *
     * @param asException true to throw such answers
     * @return this builder
     */
    public Builder retryableStatusAsException(boolean asException) {
      this.retryableStatusAsException = asException;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException when the listener does not speak HTTP or HTTPS to backends, the pool's
     *     name is not a host name (requests could not name it), the attempt timeout exceeds the deadline, or a host header is set and
     *     {@code jdk.httpclient.allowRestrictedHeaders} does not include {@code host}
     */
    public BalancedHttpClient build() {
      Listener listener = lb.listener();
      if (listener != null) {
        checkState(listener.backendProtocol().isLayer7(), "client needs a listener with backend protocol HTTP or "
            + "HTTPS, but listener.backendProtocol is " + listener.backendProtocol());
        checkState(backendProtocol == null || backendProtocol == listener.backendProtocol(), "client.backendProtocol "
            + backendProtocol + " conflicts with listener.backendProtocol " + listener.backendProtocol());
      }
      checkState(URI.create("http://" + lb.name() + "/").getHost() != null, "client needs a pool name that is a "
          + "host name, as requests name the pool as their host (labels of a-z A-Z 0-9 '-', the last not all "
          + "digits; no '_'), was '" + lb.name() + "'");
      checkState(attemptTimeout == null || attemptTimeout.compareTo(effectiveDeadline()) <= 0,
          "client.attemptTimeout " + (attemptTimeout == null ? "" : format(attemptTimeout))
              + " must not exceed client.deadline " + format(effectiveDeadline()));
      checkState(hostHeader == null || PoolRequests.allowsHostHeader(System.getProperty(ALLOW_RESTRICTED_HEADERS)),
          "client.hostHeader needs the system property " + ALLOW_RESTRICTED_HEADERS
              + " to include 'host' (the JDK refuses to send Host otherwise), was "
              + System.getProperty(ALLOW_RESTRICTED_HEADERS));
      return new BalancedHttpClient(this);
    }

    private Duration effectiveDeadline() {
      if (deadline != null) {
        return deadline;
      }
      return lb.listener() != null ? lb.listener().requestTimeout() : Listener.DEFAULT_REQUEST_TIMEOUT;
    }

    private Protocol effectiveBackendProtocol() {
      if (lb.listener() != null) {
        return lb.listener().backendProtocol();
      }
      return backendProtocol != null ? backendProtocol : Protocol.HTTP;
    }
  }
}
