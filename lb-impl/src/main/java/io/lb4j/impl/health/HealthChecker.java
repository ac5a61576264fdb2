package io.lb4j.impl.health;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of a set of backends under one {@link HealthCheckPolicy}: real TCP handshakes
 * or HTTP requests on a schedule, turned into a HEALTHY/UNHEALTHY status per backend by the policy's
 * thresholds, with one {@link HealthTransition} event per change.
 *
 * <p><b>Status rules.</b> A new backend starts UNHEALTHY and gets no traffic until checked; its first
 * successful probe makes it HEALTHY at once (Envoy's choice: nobody has seen it work before that, and
 * once one check has passed there is nothing to gain by waiting for more). With
 * {@link HealthCheckPolicy#startHealthy()} it starts HEALTHY instead, for trusted registries. After
 * that a healthy backend turns unhealthy after {@code unhealthyThreshold} consecutive failures and an
 * unhealthy one healthy after {@code healthyThreshold} consecutive successes. With checks disabled
 * every backend counts as HEALTHY: a failed backend keeps getting traffic and clients see errors (the
 * reference's 502s), so disable checks only when something else (outlier detection) takes their place.
 *
 * <p><b>Probes.</b> TCP: a non-blocking connect to {@code host:checkPort} (the policy's port, else the
 * builder's {@link Builder#backendPort backend port}, else the backend's own); success is a completed
 * handshake; the socket is closed at once without sending data. HTTP: {@code HEAD} (or {@code GET})
 * {@code path} with {@code Host:} the policy's domain or else the backend's address,
 * {@code User-Agent: lb4j-health-check/<version>} (so backends can filter probes out of their logs) and
 * {@code Connection: close}; success is a status in the normal classes; redirects are not followed; the
 * connection is closed as soon as the status line is read. Every probe must finish within the
 * response timeout. Results ({@link #lastResult}) name their cause: {@code ok}, {@code HTTP 200},
 * {@code connect refused}, {@code timeout after 5s}, {@code HTTP 503 not in [2xx, 3xx]},
 * {@code connection reset}, {@code connection closed before HTTP status}, {@code unreachable: ...}.
 *
 * <p><b>Timing.</b> Each backend is probed every {@code interval} (or {@code edgeInterval} while its
 * status is changing), starting at a random point within the first interval and each probe delayed by
 * a random 0 to {@code jitterPercent} of the interval, so thousands of backends never probe in step. A
 * probe never overlaps the previous one of the same backend, and a probe that overruns its interval
 * (timeout longer than interval) is followed by a full interval of rest, so a slow backend delays only
 * itself and is never probed back to back. With {@link HealthCheckPolicy#skipWhenTrafficSucceeds()}
 * the probe of a healthy backend is skipped when real traffic to it succeeded
 * ({@link #recordTrafficSuccess}) within the last interval.
 *
 * <p><b>Detection latency</b> (N = {@code unhealthyThreshold}, jitter adds up to
 * {@code jitterPercent} of an interval per probe). After a backend breaks, its next probe starts within
 * one interval. A backend that refuses connections fails each probe at once and is unhealthy between
 * {@code interval x (N - 1)} and {@code interval x N} after it broke (4-6 s with the defaults). One
 * that stops answering: when {@code responseTimeout <= interval} probes keep their cadence and it is
 * unhealthy within {@code interval x N + responseTimeout}; when the timeout is longer (the defaults,
 * 5 s against 2 s) its failing probes take {@code responseTimeout x N + interval x (N - 1)} from the
 * first of them, 19 s with the defaults, so at most 21 s after it broke.
 *
 * <p><b>Threading.</b> All probes of every checker of the process run on one daemon thread named
 * {@code lb4j-health-io} with non-blocking sockets, not a thread per backend or per pool (it starts with
 * the first checker started and ends when the last one closes); at most
 * {@link Builder#maxProbesInFlight(int)} probes are in flight, later ones wait their turn. Every public
 * method is thread-safe and non-blocking, except {@link #add(Backend)} (which resolves the host name;
 * {@link #add(Backend, InetAddress)} takes an address resolved elsewhere and does not block) and
 * {@link #close} (which waits for the thread to end). Transition listeners run on the probe thread:
 * keep them short and never block in them (a slow listener delays every probe of this checker).
 *
 * <p><b>Lifecycle.</b> {@link #builder} then {@link Builder#build}: nothing runs yet; {@link #add} backends
 * any time; {@link #start} starts the thread (idempotent); {@link #close} stops every probe, closes
 * every socket and ends the thread (idempotent). A closed checker cannot be restarted.
 *
 * <p><b>Logging.</b> Transitions at WARN (to unhealthy) and INFO (to healthy), start and policy changes
 * at INFO; every probe at DEBUG (failures) or TRACE (successes) only.
 */
public final class HealthChecker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  /** The {@code User-Agent} of HTTP probes. */
  static final String USER_AGENT = "lb4j-health-check/" + version();

  private static final int NEW = 0;
  private static final int STARTED = 1;
  private static final int CLOSED = 2;

  private final Clock clock;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
  private final TransitionListeners listeners = new TransitionListeners(log);
  private final CopyOnWriteArrayList<Consumer<Backend>> firstResultListeners = new CopyOnWriteArrayList<>();
  /** What log lines start with: {@code load balancer 'web': } for a pool's checker, else nothing. */
  private final String logPrefix;
  /** The process's shared probe loop, from {@link #start()} on. */
  private volatile ProbeLoop loop;
  /** This checker's share of the loop: cap, queue, jitter, counters. */
  private final ProbeGroup group;
  /** Loop commands given before {@link #start()}; run, in order, when it starts. Guarded by lifecycleLock. */
  private final ArrayDeque<Runnable> beforeStart = new ArrayDeque<>();
  private final Object lifecycleLock = new Object();
  /** Orders {@link #add}'s view read and map put against {@link #setPolicy}'s view change. */
  private final Object policyLock = new Object();
  private final OutlierDetector outlierDetector;
  /** The listener's backend port, or 0 to probe each backend's own port. */
  private final int backendPort;
  private volatile PolicyView view;
  private int lifecycle = NEW;

  private HealthChecker(Builder b) {
    this.clock = b.clock;
    this.view = new PolicyView(b.policy);
    this.group = new ProbeGroup(this, b.random, b.maxProbesInFlight);
    this.outlierDetector = b.outlierDetector;
    this.backendPort = b.backendPort;
    this.logPrefix = b.name == null ? "" : "load balancer '" + b.name + "': ";
  }

  /** A builder for a checker under {@code policy}. */
  public static Builder builder(HealthCheckPolicy policy) {
    return new Builder(policy);
  }

  /** Starts probing every added backend; does nothing if already started. */
  public void start() {
    synchronized (lifecycleLock) {
      if (lifecycle == CLOSED) {
        throw new IllegalStateException("health checker is closed");
      }
      if (lifecycle == STARTED) {
        return;
      }
      ProbeLoop l;
      try {
        l = ProbeLoop.acquire();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open a selector for health checks", e);
      }
      loop = l;
      lifecycle = STARTED;
      for (Runnable command : beforeStart) {
        l.execute(command);
      }
      beforeStart.clear();
    }
    log.info("{}health checking started: {}, {} backends", logPrefix, view.policy, targets.size());
  }

  /**
   * Adds {@code backend} (or replaces a backend with the same id and another address). Its status
   * starts as the policy says ({@link HealthCheckPolicy#startHealthy()}) and, if the checker is
   * started, its probes begin within one interval. Adding a backend equal to one already present
   * (same id, host and port) keeps the existing status. Resolves the host name once, here.
   */
  public void add(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    Target existing = targets.get(backend.id());
    if (existing != null && existing.backend.equals(backend)) {
      checkNotClosed();
      return;
    }
    add(backend, resolve(backend.host()));
  }

  /**
   * Adds {@code backend} as {@link #add(Backend)} does, with its host already resolved to
   * {@code address} by the caller (null: unknown, every probe fails until {@link #updateAddress}), so
   * this call never blocks.
   *
   * @since 0.1.0
   */
  public void add(Backend backend, InetAddress address) {
    Objects.requireNonNull(backend, "backend");
    checkNotClosed();
    Target existing = targets.get(backend.id());
    if (existing != null && existing.backend.equals(backend)) {
      existing.address = address;
      return;
    }
    Target t;
    Target old;
    // Reading the view and publishing the target under policyLock keeps a concurrent setPolicy out of
    // the gap: a disable task queued after this put sees the target, and one queued before it means
    // this add read the disabled view. Without the lock the disable task could walk the map between
    // the two, leaving the target unhealthy while status() said HEALTHY, and silently UNHEALTHY once
    // checks were enabled again.
    synchronized (policyLock) {
      PolicyView v = view;
      // Added while checks are off, a backend counts as healthy like every other; enabling checks
      // later keeps that status, so no backend changes status without a transition event.
      t = new Target(group, backend, address, backendPort == 0 ? backend.port() : backendPort,
          !v.enabled || v.policy.startHealthy());
      old = targets.put(backend.id(), t);
    }
    if (old != null) {
      execute(() -> loop.remove(old));
    }
    execute(() -> loop.add(t));
    log.debug("health check added {}", backend);
  }

  /**
   * Points the probes of a backend at a new address (its host name now resolves elsewhere), from its
   * next probe on; its status is kept. Does nothing for an unknown id.
   *
   * @since 0.1.0
   */
  public void updateAddress(String backendId, InetAddress address) {
    Target t = targets.get(Objects.requireNonNull(backendId, "backendId"));
    if (t != null) {
      t.address = address;
    }
  }

  /** Stops checking the backend with {@code backendId} at once (an in-flight probe is abandoned). */
  public void remove(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    Target t = targets.remove(backendId);
    if (t != null) {
      execute(() -> loop.remove(t));
      log.debug("health check removed {}", t.backend);
    }
  }

  /**
   * The backend's status: always HEALTHY while checks are disabled; UNHEALTHY for an id this checker
   * does not know (nobody vouches for it).
   */
  public HealthStatus status(String backendId) {
    if (!view.enabled) {
      return HealthStatus.HEALTHY;
    }
    Target t = targets.get(backendId);
    return t != null && t.state.isHealthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY;
  }

  /** The last probe's result, for example {@code connect refused}; "" before the first probe. */
  public String lastResult(String backendId) {
    Target t = targets.get(backendId);
    return t == null ? "" : t.lastResult;
  }

  /**
   * Records that real traffic to the backend succeeded just now. With
   * {@link HealthCheckPolicy#skipWhenTrafficSucceeds()} the next probe of a healthy backend is
   * skipped if this happened within the last interval. Cheap enough for every request: a map lookup
   * and at most one volatile write per millisecond per backend.
   */
  public void recordTrafficSuccess(String backendId) {
    Target t = targets.get(backendId);
    if (t != null) {
      long now = System.nanoTime();
      if (trafficSuccessIsNews(t.lastTrafficSuccess, now)) {
        t.lastTrafficSuccess = now;
      }
    }
  }

  /**
   * Whether a traffic success at {@code now} should be stored over {@code last} (0: none yet).
   * Skipping the write when the stored value is under 1 ms old keeps busy backends from bouncing the
   * cache line between request threads; the probe check needs no finer time. The 0 test is explicit
   * because nanoTime may be negative: {@code now - 0} would then never exceed 1 ms and nothing would
   * ever be recorded.
   */
  static boolean trafficSuccessIsNews(long last, long now) {
    return last == 0 || now - last > 1_000_000L;
  }

  /**
   * Switches to {@code policy}. Disabling makes every backend HEALTHY (one transition each for those
   * that were not) and stops all probes; enabling again keeps each backend's status and restarts the
   * probes at random points within the new interval. Thresholds apply from the next result.
   */
  public void setPolicy(HealthCheckPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    checkNotClosed();
    PolicyView old;
    synchronized (policyLock) {
      old = view;
      if (old.policy.equals(policy)) {
        return;
      }
      view = new PolicyView(policy);
      queuePolicyChange();
    }
    log.info("{}health check policy changed: {} -> {}", logPrefix, old.policy, policy);
  }

  /** Queues the loop's side of a policy change; called under policyLock, after the view is set. */
  private void queuePolicyChange() {
    execute(() -> {
      // Decide from the view current when the task runs, not from this call's policy: a later
      // setPolicy may already have replaced it (disable then re-enable before the loop ran), and
      // forcing backends healthy under an enabled policy would pass off unchecked ones as healthy.
      PolicyView current = view;
      loop.policyChanged(group, current, targets.values());
      if (!current.enabled) {
        for (Target t : targets.values()) {
          if (t.state.force(true) == HealthStateMachine.BECAME_HEALTHY) {
            emit(t, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY, "health check disabled");
          }
        }
      }
    });
  }

  /** The current policy. */
  public HealthCheckPolicy policy() {
    return view.policy;
  }

  /**
   * Registers {@code listener} for every transition; close the returned handle to unregister. A
   * listener that throws is logged and does not affect others.
   */
  public AutoCloseable onTransition(Consumer<HealthTransition> listener) {
    return listeners.add(listener);
  }

  /**
   * Registers {@code listener} for a backend's first probe result when that result changes no status (a
   * backend that starts unhealthy and fails its first probe: it stays unhealthy, but its health is known
   * from now on). Called on the probe thread, once per added backend; a first result that changes the
   * status is a transition instead. Keep it short.
   *
   * @param listener receives the backend
   * @since 0.1.0
   */
  public void onFirstResult(Consumer<Backend> listener) {
    firstResultListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** A snapshot of the probe counters and the lateness of probe starts, for monitoring and benchmarks. */
  public ProbeMetrics metrics() {
    return new ProbeMetrics(group.stats, group.inFlight);
  }

  /**
   * Stops every probe of this checker and closes their sockets before it returns (unless called on the probe
   * thread itself, which does so right after); the probe thread ends with the last checker of the process.
   * Idempotent.
   */
  @Override
  public void close() {
    int was;
    ProbeLoop l;
    synchronized (lifecycleLock) {
      was = lifecycle;
      lifecycle = CLOSED;
      l = loop;
      beforeStart.clear();
    }
    if (was == STARTED) {
      CountDownLatch removed = new CountDownLatch(1);
      l.execute(() -> {
        l.removeAll(group, targets.values());
        removed.countDown();
      });
      if (!l.inLoop()) {
        awaitWhileAlive(removed, l);
      }
      l.release();
      log.info("{}health checking stopped", logPrefix);
    }
  }

  /** Waits for {@code latch} unless the loop dies first (an unexpected error ended it: nothing to wait for). */
  private static void awaitWhileAlive(CountDownLatch latch, ProbeLoop loop) {
    boolean interrupted = false;
    while (loop.alive()) {
      try {
        if (latch.await(100, TimeUnit.MILLISECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code command} on the probe loop: now when started, at start before, never once closed. */
  private void execute(Runnable command) {
    synchronized (lifecycleLock) {
      if (lifecycle == STARTED) {
        loop.execute(command);
      } else if (lifecycle == NEW) {
        beforeStart.add(command);
      }
    }
  }

  // ---- package-private, called by the probe loop ----

  /** What this checker's log lines start with: the pool's name, or nothing. */
  String logPrefix() {
    return logPrefix;
  }

  PolicyView view() {
    return view;
  }

  /** Applies one probe result (probe thread). */
  void onProbeResult(Target t, boolean success, String cause, long latencyNanos) {
    boolean first = t.lastResult.isEmpty();
    t.lastResult = cause;
    PolicyView v = view;
    int change = t.state.record(success, v.healthyThreshold, v.unhealthyThreshold);
    if (success) {
      if (log.isTraceEnabled()) {
        log.trace("health check {} {}: {} in {} us", t.id, t.backend.authority(), cause, latencyNanos / 1000);
      }
    } else if (log.isDebugEnabled()) {
      log.debug("health check {} {} failed: {} after {} us", t.id, t.backend.authority(), cause,
          latencyNanos / 1000);
    }
    if (success && outlierDetector != null) {
      outlierDetector.activeCheckSucceeded(t.id, v.policy.type());
    }
    if (change == HealthStateMachine.BECAME_HEALTHY) {
      emit(t, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY, cause);
    } else if (change == HealthStateMachine.BECAME_UNHEALTHY) {
      emit(t, HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, cause);
    } else if (first) {
      for (Consumer<Backend> l : firstResultListeners) {
        try {
          l.accept(t.backend);
        } catch (RuntimeException e) {
          log.warn("{}first-result listener failed for {}", logPrefix, t.id, e);
        }
      }
    }
  }

  /** The HTTP request bytes for {@code t} under {@code v}. */
  byte[] httpRequest(Target t, PolicyView v) {
    String host = v.policy.domain();
    if (host == null) {
      String h = t.backend.host();
      host = (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + checkPort(v, t);
    }
    String request = v.requestLineAndFixedHeaders + "Host: " + host + "\r\nUser-Agent: " + USER_AGENT
        + "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    return request.getBytes(StandardCharsets.US_ASCII);
  }

  /** The port to probe: the policy's check port when set, else the port of traffic. */
  static int checkPort(PolicyView v, Target t) {
    int port = v.policy.port();
    return port != 0 ? port : t.trafficPort;
  }

  private void emit(Target t, HealthStatus from, HealthStatus to, String cause) {
    HealthTransition tr = new HealthTransition(t.backend, from, to, cause, clock.instant());
    if (to == HealthStatus.UNHEALTHY) {
      log.warn("{}backend {} ({}) is now UNHEALTHY: {}", logPrefix, t.id, t.backend.authority(), cause);
    } else {
      log.info("{}backend {} ({}) is now HEALTHY: {}", logPrefix, t.id, t.backend.authority(), cause);
    }
    listeners.emit(tr);
  }

  private void checkNotClosed() {
    synchronized (lifecycleLock) {
      if (lifecycle == CLOSED) {
        throw new IllegalStateException("health checker is closed");
      }
    }
  }

  private static InetAddress resolve(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      log.warn("health check cannot resolve backend host {}: every probe will fail", host);
      return null;
    }
  }

  /**
   * The release: from the jar's manifest on the class path, from the module descriptor on the module path
   * (where packages carry no manifest version), else {@code dev} (classes not packaged).
   */
  private static String version() {
    String v = HealthChecker.class.getPackage().getImplementationVersion();
    if (v == null && HealthChecker.class.getModule().getDescriptor() != null) {
      v = HealthChecker.class.getModule().getDescriptor().rawVersion().orElse(null);
    }
    return v != null ? v : "dev";
  }

  /**
   * Builds a {@link HealthChecker}; nothing runs until {@link HealthChecker#start()}. Not thread-safe.
   */
  public static final class Builder {
    /** The default cap on probes in flight. */
    public static final int DEFAULT_MAX_PROBES_IN_FLIGHT = 1024;

    private final HealthCheckPolicy policy;
    private Clock clock = Clock.systemUTC();
    private int maxProbesInFlight = DEFAULT_MAX_PROBES_IN_FLIGHT;
    private RandomGenerator random;
    private OutlierDetector outlierDetector;
    private int backendPort;
    private String name;

    private Builder(HealthCheckPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * The name of the pool this checker serves: its log lines start with {@code load balancer '<name>': },
     * so two pools' health transitions can be told apart (default: no name).
     *
     * @param name the pool's name
     * @return this builder
     * @since 0.1.0
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The clock that stamps transitions (default UTC system clock); probe timing uses nanoTime. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The most probes in flight at once, 1-65536 (default 1024); later probes wait their turn. */
    public Builder maxProbesInFlight(int max) {
      this.maxProbesInFlight = checkRange("healthChecker.maxProbesInFlight", max, 1, 65_536);
      return this;
    }

    /** The source of jitter; used only by the probe thread. */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** A seeded source of jitter, for reproducible schedules. */
    public Builder random(long seed) {
      this.random = new SplittableRandom(seed);
      return this;
    }

    /**
     * The pool's passive checker: every successful probe is passed to
     * {@link OutlierDetector#activeCheckSucceeded} with the check's type, which ends an ejection early
     * when its policy says so and the check can see the ejection's cause (a map lookup and a volatile
     * read when the backend is not ejected).
     */
    public Builder outlierDetector(OutlierDetector detector) {
      this.outlierDetector = Objects.requireNonNull(detector, "outlierDetector");
      return this;
    }

    /**
     * The port of traffic for every backend: a listener's backend port, probed unless the policy has its
     * own check port; 0 (the default) probes each backend's own port.
     *
     * @since 0.1.0
     */
    public Builder backendPort(int port) {
      this.backendPort = port == 0 ? 0 : checkRange("healthChecker.backendPort", port, 1, 65_535);
      return this;
    }

    /** Builds the checker; it starts with {@link HealthChecker#start()}. */
    public HealthChecker build() {
      if (random == null) {
        random = new SplittableRandom();
      }
      return new HealthChecker(this);
    }
  }
}
