package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.Binding;
import io.lb4j.impl.persistence.SessionAffinity;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * A pool's request path: {@link #select}, the release of a selection, {@link #report} and
 * {@link #observeSetCookie}. Called by any number of threads at once (event loops among them), it takes no
 * lock and waits for nothing: it reads the member snapshot, each member's immutable {@link MemberState} and
 * the scheduler's candidate snapshot, and the volatile flags below, which the control path writes. The only
 * allocation on a plain pick is the {@link Selection} handle that makes release idempotent.
 *
 * <p>Active requests are counted once: by the scheduler when it counts them ({@code wlc}, {@code p2c}: it
 * needs the count to pick), else by the member.
 *
 * <p><b>Retries</b> ({@link #select(RequestContext, Collection)}) exclude the backends a request already
 * tried, Envoy's previous-hosts predicate: the scheduler is asked again a few times (hash schedulers with a
 * re-hashed key, so every instance of a fleet sends a key's retry to the same second choice), then the
 * published candidates are scanned, so a retry finds an untried eligible backend whenever one exists.
 */
final class RequestPath {

  /** No exclusions: the plain {@link #select(RequestContext)}. */
  private static final List<String> NONE_TRIED = List.of();
  /** Scheduler picks a retry makes (beyond one per excluded backend) before it scans the candidates. */
  private static final int EXTRA_REPICKS = 3;

  private final MemberTable members;
  private final Scheduler scheduler;
  private final boolean schedulerCounts;
  /** Whether the scheduler maps a key to a backend (a retry then re-hashes to reach another one). */
  private final boolean hashing;
  /** Whether that key is the client's address before the hash key (source-IP hash), or after it. */
  private final boolean addressFirst;
  private final SessionAffinity affinity;
  private final boolean persistent;
  private final Listener settings;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final EventDispatch events;
  private final Clock clock;
  private final LongSupplier nanoTime;
  /** Runs when the last request of a removed member ended: the member can leave now. */
  private final Runnable drainedMemberIdle;

  /** Fail-open mode: written by the control path at each publication. */
  volatile boolean panic;
  /** Whether traffic successes skip probes (the current health-check policy's setting). */
  volatile boolean skipWhenTrafficSucceeds;
  volatile boolean closed;
  /** The candidates last published to the scheduler (written by the control path), for retries' last resort. */
  volatile List<Candidate> candidates = List.of();

  RequestPath(MemberTable members, Scheduler scheduler, SessionAffinity affinity, Listener settings,
      HealthChecker checker, OutlierDetector outliers, EventDispatch events, Clock clock, LongSupplier nanoTime,
      Runnable drainedMemberIdle) {
    this.members = members;
    this.scheduler = scheduler;
    this.schedulerCounts = scheduler.countsActiveRequests();
    SchedulingAlgorithm algorithm = scheduler.algorithm();
    this.hashing = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH || algorithm == SchedulingAlgorithm.CONSISTENT_HASH;
    this.addressFirst = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH;
    this.affinity = affinity;
    this.persistent = settings.sessionPersistence().enabled();
    this.settings = settings;
    this.checker = checker;
    this.outliers = outliers;
    this.events = events;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.drainedMemberIdle = drainedMemberIdle;
  }

  Selection select(RequestContext context) {
    return select(context, NONE_TRIED);
  }

  /**
   * A selection that is none of the backends whose ids are in {@code tried}: a session bound to one of them
   * moves (with a new cookie), and when every eligible backend was tried the reason is
   * {@link NoBackendReason#ALL_TRIED}. With {@code tried} empty this is the plain select.
   */
  Selection select(RequestContext context, Collection<String> tried) {
    if (closed) {
      return Selections.none(NoBackendReason.CLOSED);
    }
    Binding binding = persistent ? affinity.find(context) : null;
    Member previous = null;
    boolean previousTried = false;
    if (binding != null && !binding.isInvalid()) {
      previous = members.get(binding.backendId());
      if (previous != null) {
        MemberState s = previous.state;
        previousTried = !tried.isEmpty() && tried.contains(s.backend().id());
        if (!previousTried && canKeepSession(s)) {
          scheduler.acquire(s.backend());
          if (!schedulerCounts) {
            previous.active.incrementAndGet();
          }
          previous.picks.increment();
          return new Selections.Picked(this, previous, s.backend(), s.address(), context,
              affinity.onHit(context, binding), false);
        }
      }
    }
    PickResult pick = tried.isEmpty() ? scheduler.pick(context) : pickUntried(context, tried);
    if (!pick.hasBackend()) {
      if (events.hasSubscribers()) {
        events.execute(new LoadBalancerEvent.NoEligibleBackend(pick.reason(), clock.instant()));
      }
      return Selections.none(pick.reason());
    }
    Backend backend = pick.backend();
    // The scheduler's snapshot may name a member removed a moment ago; it was eligible when the pick
    // started, so it is still served, just without a member to count on.
    Member member = members.get(backend.id());
    InetSocketAddress address;
    if (member != null) {
      if (!schedulerCounts) {
        member.active.incrementAndGet(); // a counting scheduler counted the pick already
      }
      member.picks.increment();
      address = member.state.address();
    } else {
      address = Addresses.initial(backend.host(), settings.backendPortFor(backend));
    }
    boolean moved = binding != null;
    String setCookie = persistent ? affinity.bind(context, backend) : null;
    if (moved && events.hasSubscribers()) {
      String cause = binding.isInvalid() ? "session cookie invalid, expired or unknown"
          : previous == null ? "backend removed"
          : previousTried ? "backend already tried for this request" : whyNotUsable(previous.state);
      events.execute(new LoadBalancerEvent.SessionMoved(previous == null ? null : previous.state.backend(), backend,
          cause, clock.instant()));
    }
    return new Selections.Picked(this, member, backend, address, context, setCookie, moved);
  }

  /**
   * A pick that is not in {@code tried}: the scheduler first (its own order, or for hash schedulers the
   * owner of a re-hashed key), then a weighted draw over the published candidates that are eligible and
   * untried (drawn from the re-hashed key for hash schedulers, so fleets agree, else at random). A pick a counting scheduler made and we refuse is released at once. Runs for retries only,
   * so the draw's allocation is off the plain pick's path.
   */
  private PickResult pickUntried(RequestContext context, Collection<String> tried) {
    int repicks = tried.size() + EXTRA_REPICKS;
    for (int i = 0; i < repicks; i++) {
      PickResult pick = scheduler.pick(i == 0 || !hashing ? context : rehashed(context, i));
      if (!pick.hasBackend()) {
        return pick; // nothing eligible at all (or no key): that reason, not "all tried"
      }
      if (!tried.contains(pick.backend().id())) {
        return pick;
      }
      scheduler.release(pick.backend());
    }
    List<Candidate> published = candidates;
    long total = 0;
    for (Candidate c : published) {
      if (c.eligible() && !tried.contains(c.backend().id())) {
        total += c.weight();
      }
    }
    if (total == 0) {
      return PickResult.noBackend(NoBackendReason.ALL_TRIED);
    }
    // Hash schedulers draw from the request's key, so that the instances of a fleet still agree here.
    long draw = hashing ? Math.floorMod(rehashed(context, repicks).hashKey(), total)
        : ThreadLocalRandom.current().nextLong(total);
    for (Candidate c : published) {
      if (c.eligible() && !tried.contains(c.backend().id())) {
        draw -= c.weight();
        if (draw < 0) {
          scheduler.acquire(c.backend()); // counted like a pick, released like one
          return PickResult.of(c.backend());
        }
      }
    }
    throw new AssertionError("weighted draw ran past its total");
  }

  /**
   * The key the hash scheduler used (the client address hash for source-IP hash, else the hash key, each
   * falling back to the other) mixed with {@code salt}: the scheduler's next choice for this request.
   */
  private RequestContext rehashed(RequestContext context, int salt) {
    boolean useAddress = context.clientAddress() != null && (addressFirst || !context.hasHashKey());
    long key = useAddress ? context.clientAddressHash() : context.hashKey();
    return RequestContext.ofKey(RequestContext.mix64(key + salt));
  }

  /**
   * A session stays on its backend while the backend is healthy and enabled and either takes new
   * traffic or is inside a drain window (draining keeps existing sessions working).
   */
  private boolean canKeepSession(MemberState s) {
    if (!s.backend().enabled() || !(panic ? s.checked() : s.usable())) {
      return false;
    }
    if (!s.removed() && s.backend().weight() > 0) {
      return true;
    }
    return s.inDrainWindow(nanoTime.getAsLong());
  }

  private static String whyNotUsable(MemberState s) {
    if (!s.backend().enabled()) {
      return "backend disabled";
    }
    if (s.ejected()) {
      return "backend ejected by outlier detection";
    }
    if (!s.healthy()) {
      return "backend unhealthy";
    }
    return s.removed() ? "backend drained and its drain timeout passed" : "backend drained (weight 0)";
  }

  /** A member's active requests, counted once (see the class javadoc). */
  int active(Member m) {
    return schedulerCounts ? scheduler.activeRequests(m.state.backend()) : m.active.get();
  }

  /** The first release of a selection (the handle makes later ones no-ops). */
  void released(Selections.Picked selection) {
    scheduler.release(selection.backend);
    if (persistent) {
      affinity.release(selection.context);
    }
    Member m = selection.member;
    if (m == null) {
      return;
    }
    int left = schedulerCounts ? scheduler.activeRequests(selection.backend) : m.active.decrementAndGet();
    if (left == 0 && m.state.removed() && !persistent) {
      // The last connection of a removed backend ended and no session can still need it: it can leave,
      // from the pool thread, so a releasing event loop never waits for the control lock.
      drainedMemberIdle.run();
    }
  }

  void report(Selection selection, Outcome outcome) {
    if (!(selection instanceof Selections.Picked) || ((Selections.Picked) selection).owner != this) {
      return;
    }
    String id = selection.backend().id();
    if (outliers != null) {
      outliers.report(id, outcome);
    }
    if (!outcome.isFailure() && skipWhenTrafficSucceeds) {
      checker.recordTrafficSuccess(id);
    }
  }

  void observeSetCookie(Selection selection, String setCookieHeader) {
    if (persistent && selection instanceof Selections.Picked && ((Selections.Picked) selection).owner == this
        && setCookieHeader != null) {
      affinity.observeSetCookie(selection.backend(), ((Selections.Picked) selection).context, setCookieHeader);
    }
  }
}
