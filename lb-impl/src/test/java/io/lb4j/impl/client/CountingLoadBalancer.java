package io.lb4j.impl.client;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.NoBackendReason;
import java.time.Duration;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real load balancer with counters around it: selections handed out with a backend, their releases
 * (and any second release of one selection, which the client must never make) and the outcomes
 * reported. Lets tests assert that releases balance acquisitions exactly.
 */
final class CountingLoadBalancer implements LoadBalancer {
  private final LoadBalancer lb;
  final AtomicInteger acquired = new AtomicInteger();
  final AtomicInteger released = new AtomicInteger();
  final AtomicInteger releasedTwice = new AtomicInteger();
  final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

  CountingLoadBalancer(LoadBalancer lb) {
    this.lb = lb;
  }

  int outstanding() {
    return acquired.get() - released.get();
  }

  long outcomes(Outcome.Kind kind) {
    return outcomes.stream().filter(o -> o.kind() == kind).count();
  }

  @Override
  public Selection select(RequestContext context) {
    return counted(lb.select(context));
  }

  @Override
  public Selection select(RequestContext context, java.util.Collection<String> excludedBackendIds) {
    return counted(lb.select(context, excludedBackendIds));
  }

  private Selection counted(Selection s) {
    if (!s.hasBackend()) {
      return s;
    }
    acquired.incrementAndGet();
    return new Counted(s);
  }

  @Override
  public void report(Selection selection, Outcome outcome) {
    outcomes.add(outcome);
    lb.report(((Counted) selection).inner, outcome);
  }

  @Override
  public void observeSetCookie(Selection selection, String setCookieHeader) {
    lb.observeSetCookie(((Counted) selection).inner, setCookieHeader);
  }

  @Override
  public Listener listener() {
    return lb.listener();
  }

  @Override
  public String name() {
    return lb.name();
  }

  @Override
  public CompletableFuture<Void> whenReady() {
    return lb.whenReady();
  }

  @Override
  public void setBackends(Collection<Backend> backends) {
    lb.setBackends(backends);
  }

  @Override
  public void setEnabled(String backendId, boolean enabled) {
    lb.setEnabled(backendId, enabled);
  }

  @Override
  public HealthCheckPolicy healthCheck() {
    return lb.healthCheck();
  }

  @Override
  public LoadBalancer start() {
    lb.start();
    return this;
  }

  @Override
  public boolean awaitAnyHealthy(Duration timeout) throws InterruptedException {
    return lb.awaitAnyHealthy(timeout);
  }

  @Override
  public boolean awaitHealthy(int backends, Duration timeout) throws InterruptedException {
    return lb.awaitHealthy(backends, timeout);
  }

  @Override
  public CompletableFuture<Void> whenHealthy(int backends) {
    return lb.whenHealthy(backends);
  }

  @Override
  public io.lb4j.api.PoolSettings settings() {
    return lb.settings();
  }

  @Override
  public void addBackend(Backend backend) {
    lb.addBackend(backend);
  }

  @Override
  public boolean removeBackend(String backendId) {
    return lb.removeBackend(backendId);
  }

  @Override
  public void setWeight(String backendId, int weight) {
    lb.setWeight(backendId, weight);
  }

  @Override
  public void setHealthCheck(HealthCheckPolicy policy) {
    lb.setHealthCheck(policy);
  }

  @Override
  public List<HealthTransition> healthHistory(String backendId, Instant from, Instant to) {
    return lb.healthHistory(backendId, from, to);
  }

  @Override
  public List<BackendView> view() {
    return lb.view();
  }

  @Override
  public Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    return lb.subscribe(consumer);
  }

  @Override
  public void close() {
    lb.close();
  }

  private final class Counted implements Selection {
    final Selection inner;
    private final AtomicInteger releases = new AtomicInteger();

    Counted(Selection inner) {
      this.inner = inner;
    }

    @Override
    public boolean hasBackend() {
      return true;
    }

    @Override
    public Backend backend() {
      return inner.backend();
    }

    @Override
    public InetSocketAddress address() {
      return inner.address();
    }

    @Override
    public NoBackendReason reason() {
      return null;
    }

    @Override
    public String setCookie() {
      return inner.setCookie();
    }

    @Override
    public boolean sessionMoved() {
      return inner.sessionMoved();
    }

    @Override
    public void release() {
      if (releases.incrementAndGet() == 1) {
        released.incrementAndGet();
      } else {
        releasedTwice.incrementAndGet();
      }
      inner.release();
    }
  }
}
