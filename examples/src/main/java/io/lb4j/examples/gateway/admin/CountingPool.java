package io.lb4j.examples.gateway.admin;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.load.LoadReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A pool that counts what its listener reports per backend (answers, and 5xx answers) for the status page,
 * and otherwise is the pool it wraps. The gateway hands it to its {@code ListenerServer} only when the admin
 * endpoint is on. The view has no per-backend outcome counts, and lb-impl is not changed for the page.
 *
 * <p>Thread-safe: {@link #report} runs on event-loop threads; it reads a concurrent map (no allocation
 * once a backend was seen: {@code get} before {@code computeIfAbsent}) and adds to {@link LongAdder}s, which
 * do not contend between loops.
 */
public final class CountingPool implements LoadBalancer {

  /** One backend's counts since the gateway started. */
  public static final class Counts {
    private final LongAdder answers = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();

    /** Requests answered (Layer 7) or connections relayed (Layer 4). */
    public long answers() {
      return answers.sum();
    }

    /** Answers that were a 5xx: the backend's own, or a 502 or 504 the listener answered for it. */
    public long serverErrors() {
      return serverErrors.sum();
    }
  }

  private final LoadBalancer pool;
  private final Map<String, Counts> counts = new ConcurrentHashMap<>();
  private final boolean layer7;

  /** Wraps {@code pool}, a listener's pool. */
  public CountingPool(LoadBalancer pool) {
    this.pool = pool;
    this.layer7 = pool.listener() != null && pool.listener().frontendProtocol().isLayer7();
  }

  /** The counts of a backend (zero before its first answer). */
  public Counts counts(String backendId) {
    Counts c = counts.get(backendId);
    return c != null ? c : counts.computeIfAbsent(backendId, id -> new Counts());
  }

  /**
   * Counts one answer per request: a Layer-7 listener reports a backend connection's connect (no status) and
   * then the request's answer (a status, or a timeout or reset that the client gets as 504 or 502), so only
   * the latter count; a Layer-4 listener reports each relayed connection's connect, which is its "request".
   */
  @Override
  public void report(Selection selection, Outcome outcome) {
    if (selection.hasBackend()) {
      boolean answer = layer7 ? outcome.statusCode() > 0 || outcome.kind() == Outcome.Kind.TIMEOUT
          || outcome.kind() == Outcome.Kind.RESET : outcome.kind() == Outcome.Kind.SUCCESS;
      if (answer) {
        Counts c = counts(selection.backend().id());
        c.answers.increment();
        if (layer7 && outcome.kind() != Outcome.Kind.SUCCESS) {
          c.serverErrors.increment(); // a 5xx from the backend, or the 502/504 the listener answers for it
        }
      }
    }
    pool.report(selection, outcome);
  }

  @Override
  public Listener listener() {
    return pool.listener();
  }

  @Override
  public String name() {
    return pool.name();
  }

  @Override
  public LoadBalancer start() {
    pool.start();
    return this;
  }

  @Override
  public boolean awaitAnyHealthy(Duration timeout) throws InterruptedException {
    return pool.awaitAnyHealthy(timeout);
  }

  @Override
  public boolean awaitHealthy(int backends, Duration timeout) throws InterruptedException {
    return pool.awaitHealthy(backends, timeout);
  }

  @Override
  public CompletableFuture<Void> whenHealthy(int backends) {
    return pool.whenHealthy(backends);
  }

  @Override
  public PoolSettings settings() {
    return pool.settings();
  }

  @Override
  public CompletableFuture<Void> whenReady() {
    return pool.whenReady();
  }

  @Override
  public Selection select(RequestContext context) {
    return pool.select(context);
  }

  @Override
  public Selection select(RequestContext context, Collection<String> excludedBackendIds) {
    return pool.select(context, excludedBackendIds);
  }

  @Override
  public void observeSetCookie(Selection selection, String setCookieHeader) {
    pool.observeSetCookie(selection, setCookieHeader);
  }

  @Override
  public void reportLoad(Selection selection, LoadReport report) {
    pool.reportLoad(selection, report);
  }

  @Override
  public void reportMalformedLoad(Selection selection, String reason) {
    pool.reportMalformedLoad(selection, reason);
  }

  /**
   * The pool this one wraps, for what only a pool {@code LoadBalancers} built answers (its load-aware
   * metrics, its subset).
   *
   * @return the wrapped pool
   */
  public LoadBalancer delegate() {
    return pool;
  }

  @Override
  public void addBackend(Backend backend) {
    pool.addBackend(backend);
  }

  @Override
  public boolean removeBackend(String backendId) {
    return pool.removeBackend(backendId);
  }

  @Override
  public void setBackends(Collection<Backend> backends) {
    pool.setBackends(backends);
  }

  @Override
  public void setWeight(String backendId, int weight) {
    pool.setWeight(backendId, weight);
  }

  @Override
  public void setEnabled(String backendId, boolean enabled) {
    pool.setEnabled(backendId, enabled);
  }

  @Override
  public void setHealthCheck(HealthCheckPolicy policy) {
    pool.setHealthCheck(policy);
  }

  @Override
  public HealthCheckPolicy healthCheck() {
    return pool.healthCheck();
  }

  @Override
  public List<HealthTransition> healthHistory(String backendId, Instant from, Instant to) {
    return pool.healthHistory(backendId, from, to);
  }

  @Override
  public List<BackendView> view() {
    return pool.view();
  }

  @Override
  public int activePriority() {
    return pool.activePriority();
  }

  @Override
  public Optional<SourceState> sourceState() {
    return pool.sourceState();
  }

  @Override
  public Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    return pool.subscribe(consumer);
  }

  @Override
  public <E extends LoadBalancerEvent> Subscription subscribe(Class<E> type, Consumer<? super E> consumer) {
    return pool.subscribe(type, consumer);
  }

  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return pool.toString();
  }
}
