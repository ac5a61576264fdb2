package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.Binding;
import io.lb4j.impl.persistence.SessionAffinity;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A pool's request path: {@link #select}, the release of a selection, {@link #report} and
 * {@link #observeSetCookie}. Called by any number of threads at once (event loops among them), it takes no
 * lock, waits for nothing and runs no subscriber: a select reads the pool's {@link PoolSnapshot} with one
 * volatile read (members, candidates, the scheduler's picker, fail-open, lifecycle), so everything it sees
 * was published together, and whatever an event or a view announced before the select began is in it. The
 * only allocation of a plain pick is the {@link Selection} handle that makes release idempotent.
 *
 * <p>A request is counted on its member's {@link Member#active} from selection to release: the counter of
 * the membership it was sent to, which the pick carries, so a backend removed and added again starts at
 * zero.
 *
 * <p><b>Retries</b> ({@link #select(RequestContext, Collection)}) exclude the backends a request already
 * tried, Envoy's previous-hosts predicate: the picker is asked again a few times (hash schedulers with a
 * re-hashed key, so every instance of a fleet sends a key's retry to the same second choice), then the
 * snapshot's candidates are scanned, so a retry finds an untried eligible backend whenever one exists.
 *
 * <p>Events raised here (no eligible backend, a session that moved) are handed to the control context
 * ({@link PoolEvents#offerFromSelect}), never delivered on the selecting thread.
 */
final class RequestPath {

  /** No exclusions: the plain {@link #select(RequestContext)}. */
  private static final List<String> NONE_TRIED = List.of();
  /** Picks a retry makes (beyond one per excluded backend) before it scans the candidates. */
  private static final int EXTRA_REPICKS = 3;

  private final PoolSnapshot.Published published;
  /** Whether the scheduler maps a key to a backend (a retry then re-hashes to reach another one). */
  private final boolean hashing;
  /** Whether that key is the client's address before the hash key (source-IP hash), or after it. */
  private final boolean addressFirst;
  private final SessionAffinity affinity;
  private final boolean persistent;
  private final PoolSettings settings;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final PoolEvents events;
  private final ControlContext context;
  private final Clock clock;
  private final LongSupplier nanoTime;
  /** Tells the control context that a member left to drain has no request left (a task, never inline). */
  private final Consumer<Member> idle;
  /** Load-aware weights from backend reports: {@link #reportLoad} keeps them (else ignores them). */
  private final boolean takesReports;
  /** Load-aware weights from observed latency: {@link #report} feeds the member's estimate. */
  private final boolean observesLatency;

  RequestPath(PoolSnapshot.Published published, SchedulingAlgorithm algorithm, SessionAffinity affinity,
      PoolSettings settings, HealthChecker checker, OutlierDetector outliers, PoolEvents events,
      ControlContext context, Clock clock, LongSupplier nanoTime, Consumer<Member> idle) {
    this.published = published;
    this.hashing = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH || algorithm == SchedulingAlgorithm.CONSISTENT_HASH;
    this.addressFirst = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH;
    this.affinity = affinity;
    this.persistent = settings.sessionPersistence().enabled();
    this.settings = settings;
    this.checker = checker;
    this.outliers = outliers;
    this.events = events;
    this.context = context;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.idle = idle;
    LoadAwarePolicy.Signal signal = settings.loadAware().map(LoadAwarePolicy::signal).orElse(null);
    this.takesReports = signal == LoadAwarePolicy.Signal.BACKEND_REPORTS;
    this.observesLatency = signal == LoadAwarePolicy.Signal.OBSERVED_LATENCY;
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
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(tried, "excludedBackendIds");
    PoolSnapshot s = published.current; // the one read of published state
    if (s.closed) {
      return Selections.none(NoBackendReason.CLOSED);
    }
    Binding binding = persistent ? affinity.find(context) : null;
    MemberState previous = null;
    boolean previousTried = false;
    if (binding != null && !binding.isInvalid()) {
      previous = s.byId.get(binding.backendId());
      if (previous != null) {
        previousTried = !tried.isEmpty() && tried.contains(previous.backend().id());
        if (!previousTried && canKeepSession(s, previous)) {
          Member m = previous.member();
          m.active.increment();
          m.picks.increment();
          return new Selections.Picked(this, m, m.active, previous.backend(), previous.address(), context,
              affinity.onHit(context, binding), false);
        }
      }
    }
    PickResult pick = tried.isEmpty() ? s.picker.pick(context) : pickUntried(s, context, tried);
    if (!pick.hasBackend()) {
      NoBackendReason reason = pick.reason();
      if (reason == NoBackendReason.ALL_UNHEALTHY && !s.started) {
        reason = NoBackendReason.NOT_STARTED; // nothing was checked: "unhealthy" would be a guess
      }
      if (events.hasSubscribers()) {
        events.offerFromSelect(new LoadBalancerEvent.NoEligibleBackend(reason, clock.instant()), this.context);
      }
      return Selections.none(reason);
    }
    Backend backend = pick.backend();
    // The picker was built from this snapshot's members, so the member is there; a custom scheduler that
    // returns a backend it was never given is served without a member to count on.
    MemberState member = s.byId.get(backend.id());
    Member m = member == null ? null : member.member();
    ActiveRequests active = m == null ? pick.activeRequests() : m.active;
    InetSocketAddress address = member == null ? Addresses.initial(backend.host(), settings.backendPortFor(backend))
        : member.address();
    active.increment();
    if (m != null) {
      m.picks.increment();
    }
    boolean moved = binding != null;
    String setCookie = persistent ? affinity.bind(context, backend) : null;
    if (moved && events.hasSubscribers()) {
      String cause = binding.isInvalid() ? "session cookie invalid, expired or unknown"
          : previous == null ? "backend removed"
          : previousTried ? "backend already tried for this request" : whyNotUsable(s, previous);
      events.offerFromSelect(new LoadBalancerEvent.SessionMoved(previous == null ? null : previous.backend(),
          backend, cause, clock.instant()), this.context);
    }
    return new Selections.Picked(this, m, active, backend, address, context, setCookie, moved);
  }

  /**
   * A pick that is not in {@code tried}: the picker first (its own order, or for hash schedulers the owner
   * of a re-hashed key), then a weighted draw over the snapshot's candidates that are eligible and untried
   * (drawn from the re-hashed key for hash schedulers, so fleets agree, else at random). Runs for retries
   * only, so the draw's allocation is off the plain pick's path.
   */
  private PickResult pickUntried(PoolSnapshot s, RequestContext context, Collection<String> tried) {
    int repicks = tried.size() + EXTRA_REPICKS;
    for (int i = 0; i < repicks; i++) {
      PickResult pick = s.picker.pick(i == 0 || !hashing ? context : rehashed(context, i));
      if (!pick.hasBackend()) {
        return pick; // nothing eligible at all (or no key): that reason, not "all tried"
      }
      if (!tried.contains(pick.backend().id())) {
        return pick;
      }
    }
    long total = 0;
    for (Candidate c : s.candidates) {
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
    for (Candidate c : s.candidates) {
      if (c.eligible() && !tried.contains(c.backend().id())) {
        draw -= c.weight();
        if (draw < 0) {
          return PickResult.of(c);
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
   * A session stays on its backend while the backend is healthy and enabled, belongs to the active priority
   * tier (a session bound to a standby moves back once the primary can serve), and either takes new traffic
   * or is inside a drain window (draining keeps existing sessions working).
   */
  private boolean canKeepSession(PoolSnapshot s, MemberState m) {
    if (!m.backend().enabled() || m.backend().priority() != s.activePriority
        || !(s.panic ? m.checked() : m.usable())) {
      return false;
    }
    if (!m.removed() && m.backend().weight() > 0) {
      return true;
    }
    return m.inDrainWindow(nanoTime.getAsLong());
  }

  private static String whyNotUsable(PoolSnapshot snapshot, MemberState s) {
    if (!s.backend().enabled()) {
      return "backend disabled";
    }
    if (s.backend().priority() != snapshot.activePriority && (snapshot.panic ? s.checked() : s.usable())) {
      return "backend's priority " + s.backend().priority() + " is not the active priority "
          + snapshot.activePriority;
    }
    if (s.ejected()) {
      return "backend ejected by outlier detection";
    }
    if (!s.healthy()) {
      return "backend unhealthy";
    }
    return s.removed() ? "backend drained and its drain timeout passed" : "backend drained (weight 0)";
  }

  /** The first release of a selection (the handle makes later ones no-ops). */
  void released(Selections.Picked selection) {
    selection.active.decrement();
    if (persistent) {
      affinity.release(selection.context);
    }
    Member m = selection.member;
    // Read after the decrement: see MemberTable#leave for the other half of this handshake.
    if (m != null && m.leavingWhenIdle && m.active.get() == 0) {
      idle.accept(m); // the last request of a removed member ended: it can leave (a control task)
    }
  }

  void report(Selection selection, Outcome outcome) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(outcome, "outcome");
    if (!(selection instanceof Selections.Picked) || ((Selections.Picked) selection).owner != this) {
      return;
    }
    String id = selection.backend().id();
    if (outliers != null) {
      outliers.report(id, outcome); // counted here, lock-free; an ejection it decides enters the context
    }
    if (!outcome.isFailure() && published.current.skipWhenTrafficSucceeds) {
      checker.recordTrafficSuccess(id);
    }
    Member m = ((Selections.Picked) selection).member;
    if (observesLatency && m != null) {
      m.load.observe(outcome); // a few adders: the weight update reads them on the control path
    }
  }

  /** A backend's load report: kept in its member's one slot until the next weight update (lock-free). */
  void reportLoad(Selection selection, LoadReport report) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(report, "report");
    Member m = takesReports ? memberOf(selection) : null;
    if (m != null) {
      m.load.offer(report);
    }
  }

  /** A load report that did not parse: counted on its member, whose weight stays as it was. */
  void reportMalformedLoad(Selection selection, String reason) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(reason, "reason");
    Member m = takesReports ? memberOf(selection) : null;
    if (m != null) {
      m.load.refused(reason);
    }
  }

  /** The member a selection of this pool went to, or null (another pool's, no backend, a custom scheduler's). */
  private Member memberOf(Selection selection) {
    return selection instanceof Selections.Picked && ((Selections.Picked) selection).owner == this
        ? ((Selections.Picked) selection).member : null;
  }

  void observeSetCookie(Selection selection, String setCookieHeader) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(setCookieHeader, "setCookieHeader");
    if (persistent && selection instanceof Selections.Picked && ((Selections.Picked) selection).owner == this) {
      affinity.observeSetCookie(selection.backend(), ((Selections.Picked) selection).context, setCookieHeader);
    }
  }
}
