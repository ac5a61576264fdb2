package io.lb4j.impl.health;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lb4j.api.Backend;
import io.lb4j.api.Outcome;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.internal.Checks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking (outlier detection): the outcomes of real traffic, reported with
 * {@link #report}, eject a backend that keeps failing, using one resilience4j {@link CircuitBreaker}
 * per backend.
 *
 * <p><b>Ejection.</b> A backend is ejected after {@code consecutiveFailures} failures in a row (any
 * {@link Outcome#isFailure() failure}: connect failure, timeout, reset, 5xx), or, when
 * {@code failureRatePercent} is above 0, when that share of its last {@code slidingWindowSize} calls
 * failed (the breaker's count-based window; judged once the window is full). An ejected backend is
 * out for {@code baseEjectionTime} times its ejection count, at most {@code maxEjectionTime}; then its
 * next {@code trialCalls} reported outcomes are trial calls (the breaker's half-open state): if the
 * breaker's rule still trips on them (all failed, or the failure rate is still too high) the backend is
 * ejected again with its count one higher (the second ejection lasts twice as long as the first);
 * otherwise it is back. While trial calls are pending {@link #isEjected} is false: traffic is not
 * throttled, the first outcomes decide.
 *
 * <p><b>The ejection count</b> follows Envoy's ejection multiplier: every ejection adds one, and every
 * {@code baseEjectionTime} a backend then spends back in service takes one off. A backend ejected again
 * soon after it came back (its trial passed, or a check ended the ejection) stays out longer each time;
 * one that worked for a while starts again from {@code baseEjectionTime}.
 *
 * <p><b>Cap.</b> Never more than {@code maxEjectionPercent} of the backends are ejected at once, but
 * one may always be (so a pool of three with 10% can still eject its one bad backend). A backend that
 * trips while the cap is reached is not ejected; its breaker is reset and it must trip again. An
 * ejection whose time ran out with no trial under way (no traffic was reported since, for example
 * because active checks or draining keep the backend out) gives its place up when another backend
 * trips at the cap: it ends, with an UNHEALTHY to HEALTHY event, and the one that tripped takes it.
 *
 * <p><b>With active checks.</b> A backend should get traffic only when both layers agree (the
 * facade's job). With {@code activeCheckEndsEjection}, {@link #activeCheckSucceeded} ends an ejection
 * early, but only when the check can see what caused it: an ejection lasts until something that can
 * see its cause ends it. Every ejection remembers the kinds of the failures that led to it (those since
 * the backend last came back, trial calls included). A TCP check, a bare handshake, can only vouch for
 * connect failures; an HTTP check, which sends a request and reads the status, also for 5xx answers and
 * resets; no check vouches for timeouts (a health path that answers quickly says nothing about a slow
 * application path), so a timeout ejection ends only by its trial calls. Envoy's
 * {@code successful_active_health_check_uneject_host} ends any ejection on any passing check; lb4j does
 * not, because a TCP check passing against a backend that answers after 5 s would put it straight back.
 *
 * <p><b>Events.</b> An ejection is a HEALTHY to UNHEALTHY {@link HealthTransition} with a cause such as
 * {@code ejected after 5 consecutive failures (last: HTTP 503)}; a return is UNHEALTHY to HEALTHY.
 * Logged at WARN and INFO; re-ejections and refusals by the cap at INFO and DEBUG.
 *
 * <p><b>Threading.</b> Thread-safe and meant for the request path. {@link #isEjected} is lock-free.
 * {@link #report} takes one short per-backend lock, inside the breaker (resilience4j's count-based
 * window records each call under {@code synchronized}), so reports for one backend serialise while
 * different backends never contend; it allocates nothing of its own (the failure signal handed to
 * the breaker is a shared stackless exception). Ejection bookkeeping (rare) takes a detector-wide
 * lock. Listeners run on the thread whose report or call caused the transition. Time comes from the
 * injected {@link Clock}. No thread is started; nothing to close.
 */
public final class OutlierDetector {

  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);
  /** Passed to the breaker for failures: preallocated and stackless, so a failure allocates nothing. */
  private static final Throwable FAILURE = new BackendFailure();
  private static final String EXPIRED = "ejection time ran out with no trial calls";

  private final OutlierDetectionPolicy policy;
  private final boolean rateRule;
  private final Clock clock;
  private final CircuitBreakerConfig breakerConfig;
  private final ConcurrentHashMap<String, Ejectee> backends = new ConcurrentHashMap<>();
  private final TransitionListeners listeners = new TransitionListeners(log);
  private final CopyOnWriteArrayList<Consumer<String>> ejectedAgainListeners = new CopyOnWriteArrayList<>();
  /** What log lines start with: {@code load balancer 'web': } for a pool's detector, else nothing. */
  private final String logPrefix;
  private final Object lock = new Object();
  private int ejected; // guarded by lock

  /** A detector under {@code policy}, reading time from {@code clock}. */
  public OutlierDetector(OutlierDetectionPolicy policy, Clock clock) {
    this(policy, clock, null);
  }

  /**
   * A detector under {@code policy}, reading time from {@code clock}, for the pool named {@code poolName}:
   * its log lines start with {@code load balancer '<poolName>': }.
   *
   * @since 0.1.0
   */
  public OutlierDetector(OutlierDetectionPolicy policy, Clock clock, String poolName) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.logPrefix = poolName == null ? "" : "load balancer '" + poolName + "': ";
    this.rateRule = policy.failureRatePercent() > 0;
    // Without the rate rule the breaker's own window is the last N calls at a 100% threshold, which is
    // exactly "N consecutive failures"; with it, the window is the rate rule and the consecutive rule
    // is counted here. The open-state wait is driven by this class (from the injected clock), so the
    // breaker's own wait is set beyond any ejection and automatic transitions stay off.
    int window = rateRule ? policy.slidingWindowSize() : policy.consecutiveFailures();
    this.breakerConfig = CircuitBreakerConfig.custom()
        .slidingWindow(window, window, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(rateRule ? policy.failureRatePercent() : 100f)
        .permittedNumberOfCallsInHalfOpenState(policy.trialCalls())
        .waitDurationInOpenState(Duration.ofDays(1))
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .writableStackTraceEnabled(false)
        .build();
  }

  /** A detector under {@code policy} with the system UTC clock. */
  public OutlierDetector(OutlierDetectionPolicy policy) {
    this(policy, Clock.systemUTC());
  }

  /** The policy. */
  public OutlierDetectionPolicy policy() {
    return policy;
  }

  /** Starts tracking {@code backend} (not ejected); a backend already tracked keeps its breaker. */
  public void add(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    backends.computeIfAbsent(backend.id(),
        id -> new Ejectee(backend, CircuitBreaker.of("lb4j-outlier-" + id, breakerConfig)));
  }

  /** Stops tracking the backend and drops its breaker; frees its place under the ejection cap. */
  public void remove(String backendId) {
    Ejectee e = backends.remove(backendId);
    if (e != null) {
      synchronized (lock) {
        if (e.ejected) {
          e.ejected = false;
          ejected--;
        }
      }
    }
  }

  /** Records the outcome of one real request to the backend; unknown ids are ignored. */
  public void report(String backendId, Outcome outcome) {
    Objects.requireNonNull(outcome, "outcome");
    if (!policy.enabled()) {
      return;
    }
    Ejectee e = backends.get(backendId);
    if (e == null) {
      return;
    }
    boolean failure = outcome.isFailure();
    if (failure) {
      e.lastFailureKind = outcome.kind();
      e.lastFailureStatus = outcome.statusCode();
      e.addFailureKind(EjectionCauses.bit(outcome.kind()));
      e.consecutive.incrementAndGet();
    } else {
      e.consecutive.set(0);
      if (!e.ejected && !rateRule) {
        // Only the current streak can eject under the consecutive rule: older failures no longer count.
        e.failureKinds.set(0);
      }
    }
    if (e.ejected) {
      if (e.breaker.getState() == CircuitBreaker.State.OPEN) {
        if (clock.millis() < e.ejectedUntil) {
          return; // a straggler sent before the ejection: the ejection already judged it
        }
        synchronized (lock) {
          if (e.ejected && e.breaker.getState() == CircuitBreaker.State.OPEN) {
            e.breaker.transitionToHalfOpenState();
            e.halfOpen = true;
          }
        }
      }
      record(e, failure);
      afterTrial(e);
      return;
    }
    record(e, failure);
    // The rate rule can trip on a success too: the call that fills the window decides.
    if ((failure && e.consecutive.get() >= policy.consecutiveFailures())
        || e.breaker.getState() == CircuitBreaker.State.OPEN) {
      eject(e);
    }
  }

  /** True while the backend is ejected and its ejection time has not run out. */
  public boolean isEjected(String backendId) {
    if (!policy.enabled()) {
      return false;
    }
    Ejectee e = backends.get(backendId);
    return e != null && e.ejected && !e.halfOpen && clock.millis() < e.ejectedUntil;
  }

  /**
   * An active health check of the backend succeeded: ends its ejection at once when the policy's
   * {@code activeCheckEndsEjection} is set and a check of this type can see every kind of failure that
   * led to the ejection (see the class javadoc), else does nothing.
   *
   * @param backendId the backend checked
   * @param type how it was checked
   */
  public void activeCheckSucceeded(String backendId, HealthCheckType type) {
    Objects.requireNonNull(type, "type");
    if (!policy.enabled() || !policy.activeCheckEndsEjection()) {
      return;
    }
    Ejectee e = backends.get(backendId);
    if (e != null && e.ejected && EjectionCauses.visibleTo(type, e.ejectionKinds)) {
      end(e, "ejection ended early by a successful " + type + " check");
    }
  }

  /** The kinds of failures that led to the backend's current ejection, for tests; empty when not ejected. */
  Set<Outcome.Kind> ejectionKinds(String backendId) {
    Ejectee e = backends.get(backendId);
    return EjectionCauses.of(e != null && e.ejected ? e.ejectionKinds : 0);
  }

  /** Registers {@code listener} for ejections and returns; close the handle to unregister. */
  public AutoCloseable onTransition(Consumer<HealthTransition> listener) {
    return listeners.add(listener);
  }

  /**
   * Registers {@code listener} for the one change of {@link #isEjected} that is not a transition: a
   * backend whose trial calls failed is ejected again (it was never announced back). Called with the
   * backend's id on the reporting thread; keep it short.
   *
   * @param listener receives the backend's id
   * @since 0.1.0
   */
  public void onEjectedAgain(Consumer<String> listener) {
    ejectedAgainListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * When the backend's ejection ends, in the clock's milliseconds: from then on {@link #isEjected} is false
   * and its next outcomes are trial calls. {@link Long#MIN_VALUE} when it is not ejected (or in its trial).
   * With this, a caller that keeps its own view of ejections sets a timer instead of polling.
   *
   * @param backendId the backend
   * @return the end of its ejection, or {@link Long#MIN_VALUE}
   * @since 0.1.0
   */
  public long ejectedUntilMillis(String backendId) {
    Ejectee e = backends.get(backendId);
    return e != null && e.ejected && !e.halfOpen ? e.ejectedUntil : Long.MIN_VALUE;
  }

  /** The number of backends ejected now (trial calls pending included). */
  public int ejectedCount() {
    synchronized (lock) {
      return ejected;
    }
  }

  /** Number of breakers held: one per tracked backend. */
  int breakerCount() {
    return backends.size();
  }

  /** The backend's breaker, or null; for tests. */
  CircuitBreaker breaker(String backendId) {
    Ejectee e = backends.get(backendId);
    return e == null ? null : e.breaker;
  }

  private static void record(Ejectee e, boolean failure) {
    // Duration 0: lb4j judges slowness through timeouts, not the breaker's slow-call rule.
    if (failure) {
      e.breaker.onError(0, TimeUnit.NANOSECONDS, FAILURE);
    } else {
      e.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }
  }

  private void eject(Ejectee e) {
    String cause = null;
    long ejectionMillis = 0;
    List<Ejectee> expired = null;
    synchronized (lock) {
      if (e.ejected || backends.get(e.id) != e) {
        return;
      }
      int cap = Math.max(1, backends.size() * policy.maxEjectionPercent() / 100);
      if (ejected >= cap) {
        expired = endExpired(clock.millis());
      }
      if (ejected >= cap) {
        e.breaker.reset();
        e.consecutive.set(0);
        e.failureKinds.set(0);
        log.debug("{}backend {} not ejected: {} of {} backends already ejected (max {}%)", logPrefix, e.id, ejected,
            backends.size(), policy.maxEjectionPercent());
      } else {
        cause = ejectLocked(e);
        ejectionMillis = ejectionMillis(e.ejections);
      }
    }
    if (expired != null) {
      for (Ejectee x : expired) {
        log.info("{}backend {} ({}) is back: {}", logPrefix, x.id, x.backend.authority(), EXPIRED);
        listeners.emit(new HealthTransition(x.backend, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY, EXPIRED,
            clock.instant()));
      }
    }
    if (cause == null) {
      return;
    }
    log.warn("{}backend {} ({}) {} for {}", logPrefix, e.id, e.backend.authority(), cause,
        Checks.format(Duration.ofMillis(ejectionMillis)));
    listeners.emit(new HealthTransition(e.backend, HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, cause,
        clock.instant()));
  }

  /**
   * Ends every ejection whose time ran out with no trial under way (no traffic was reported since,
   * for example because the backend is also actively unhealthy or drained), so it stops holding a
   * place under the cap; returns them for their events, or null. Under the lock. Such an entry would
   * otherwise count until its next report, which may never come. One in a trial keeps its place: its
   * outcome may eject it again.
   */
  private List<Ejectee> endExpired(long now) {
    List<Ejectee> ended = null;
    for (Ejectee x : backends.values()) {
      if (x.ejected && !x.halfOpen && now >= x.ejectedUntil) {
        if (x.breaker.getState() != CircuitBreaker.State.CLOSED) {
          x.breaker.reset();
        }
        x.returned(now);
        ejected--;
        if (ended == null) {
          ended = new ArrayList<>();
        }
        ended.add(x);
      }
    }
    return ended;
  }

  /**
   * Ejects {@code e}, which is in service, for {@code baseEjectionTime} times its ejection count (see the
   * class javadoc) and returns the cause; under the lock, with a free place.
   */
  private String ejectLocked(Ejectee e) {
    boolean consecutive = e.consecutive.get() >= policy.consecutiveFailures();
    String cause = consecutive
        ? "ejected after " + policy.consecutiveFailures() + " consecutive failures (last: " + last(e) + ")"
        : "ejected: " + Math.round(e.breaker.getMetrics().getFailureRate()) + "% of the last "
            + policy.slidingWindowSize() + " calls failed (last: " + last(e) + ")";
    if (e.breaker.getState() == CircuitBreaker.State.CLOSED) {
      e.breaker.transitionToOpenState();
    }
    long now = clock.millis();
    // Envoy's multiplier: one off for every base ejection time spent back in service, then one more.
    long decayed = e.returnedAt == 0 ? 0 : (now - e.returnedAt) / policy.baseEjectionTime().toMillis();
    e.ejections = (int) Math.max(0, e.ejections - Math.min(decayed, Integer.MAX_VALUE)) + 1;
    e.ejectedUntil = now + ejectionMillis(e.ejections);
    e.ejectionKinds = e.failureKinds.get();
    e.halfOpen = false;
    e.ejected = true;
    ejected++;
    return cause;
  }

  private void afterTrial(Ejectee e) {
    CircuitBreaker.State s = e.breaker.getState();
    if (s == CircuitBreaker.State.CLOSED) {
      end(e, "returned after " + policy.trialCalls() + " trial calls");
    } else if (s == CircuitBreaker.State.OPEN) {
      long ejectionMillis;
      synchronized (lock) {
        if (!e.ejected || !e.halfOpen) {
          return; // another reporter already handled this re-ejection
        }
        e.halfOpen = false;
        e.ejections++;
        ejectionMillis = ejectionMillis(e.ejections);
        e.ejectedUntil = clock.millis() + ejectionMillis;
        e.ejectionKinds |= e.failureKinds.get();
      }
      log.info("{}backend {} ({}) failed its trial calls (last: {}), ejected again for {}", logPrefix, e.id,
          e.backend.authority(), last(e), Checks.format(Duration.ofMillis(ejectionMillis)));
      for (Consumer<String> l : ejectedAgainListeners) {
        try {
          l.accept(e.id);
        } catch (RuntimeException ex) {
          log.warn("{}ejected-again listener failed for {}", logPrefix, e.id, ex);
        }
      }
    }
  }

  private void end(Ejectee e, String cause) {
    synchronized (lock) {
      if (!e.ejected) {
        return;
      }
      if (e.breaker.getState() != CircuitBreaker.State.CLOSED) {
        e.breaker.reset();
      }
      e.halfOpen = false;
      e.returned(clock.millis());
      ejected--;
    }
    log.info("{}backend {} ({}) is back: {}", logPrefix, e.id, e.backend.authority(), cause);
    listeners.emit(new HealthTransition(e.backend, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY, cause,
        clock.instant()));
  }

  /** base x n, at most max: the n-th consecutive ejection's length. */
  private long ejectionMillis(int n) {
    long base = policy.baseEjectionTime().toMillis();
    long max = policy.maxEjectionTime().toMillis();
    return n >= max / base + 1 ? max : Math.min(max, base * n);
  }

  private static String last(Ejectee e) {
    Outcome.Kind k = e.lastFailureKind;
    if (k == null) {
      return "unknown";
    }
    switch (k) {
      case SERVER_ERROR:
        return e.lastFailureStatus > 0 ? "HTTP " + e.lastFailureStatus : "server error";
      case CONNECT_FAILURE:
        return "connect failure";
      case TIMEOUT:
        return "timeout";
      case RESET:
        return "reset";
      default:
        return k.name();
    }
  }

  /** Per-backend passive state. */
  private static final class Ejectee {
    final Backend backend;
    final String id;
    final CircuitBreaker breaker;
    final AtomicInteger consecutive = new AtomicInteger();
    volatile Outcome.Kind lastFailureKind;
    volatile int lastFailureStatus;
    // Written under the detector's lock, read without it.
    volatile boolean ejected;
    volatile boolean halfOpen;
    volatile long ejectedUntil;
    /** The failure kinds behind the current ejection, one bit per kind; read by the probe thread. */
    volatile int ejectionKinds;
    int ejections;
    /** When the backend last came back from an ejection (clock millis), 0 before the first. */
    long returnedAt;
    /**
     * The kinds of failures reported since the backend last came back (the current streak only under the
     * consecutive rule), one bit per kind: what an ejection now would be for. Written by reporters.
     */
    final AtomicInteger failureKinds = new AtomicInteger();

    Ejectee(Backend backend, CircuitBreaker breaker) {
      this.backend = backend;
      this.id = backend.id();
      this.breaker = breaker;
    }

    void addFailureKind(int bit) {
      int kinds;
      do {
        kinds = failureKinds.get();
      } while ((kinds & bit) == 0 && !failureKinds.compareAndSet(kinds, kinds | bit));
    }

    /** Back in service at {@code now}: keeps the ejection count, which decays from here. Under the lock. */
    void returned(long now) {
      ejected = false;
      ejectionKinds = 0;
      failureKinds.set(0);
      consecutive.set(0);
      returnedAt = now;
    }
  }

  /** The failure signal handed to the breaker; carries no stack trace. */
  private static final class BackendFailure extends RuntimeException {
    BackendFailure() {
      super("backend failure reported to lb4j outlier detection", null, false, false);
    }
  }
}
