package io.lb4j.api;

import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.load.LoadReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A pool of backends: schedules each request, checks health, keeps sessions sticky, and drains and adds
 * backends at runtime. It serves either a {@link Listener} (a gateway's frontend) or a client that calls
 * backends directly (a client-side pool, built without a listener).
 *
 * <p><b>Lifecycle</b> (lb4j's one rule, shared with {@code ListenerServer}): built (NEW), then
 * {@link #start()} (STARTED), then {@link #close()} (CLOSED). {@code start()} on a started object does
 * nothing and returns it; {@code start()} after {@code close()} throws {@link IllegalStateException};
 * {@code close()} is idempotent. Built by lb4j's implementation module ({@code io.lb4j.impl.LoadBalancers}).
 * Runtime changes and time-driven state (drain deadlines, slow-start ramps, the end of an ejection) work from
 * the moment it is built, and backends that need no check (checks disabled, or trusted to start healthy) are
 * selected before {@code start()}; {@code start()} starts active health checking and the backend source. A
 * select that finds no eligible backend before {@code start()} says
 * {@link io.lb4j.api.scheduler.NoBackendReason#NOT_STARTED}. A closed load balancer selects nothing (the
 * reason is {@link io.lb4j.api.scheduler.NoBackendReason#CLOSED}), refuses runtime changes with an
 * {@link IllegalStateException} and leaves no thread behind.
 *
 * <p><b>Threading.</b> Every method is thread-safe. {@link #select} never blocks, takes no lock and does not
 * wait for runtime changes: it reads one immutable snapshot of the pool. Runtime changes, health results,
 * ejections, timers and the backend source's lists are applied in one order, one at a time, each batch of
 * them published as one new snapshot. A runtime change returns once it is in effect: every select that
 * starts afterwards sees it. Events are delivered after the change they announce is in effect, in the order
 * the changes happened, and never on a selecting thread.
 *
 * <p><b>Nullness.</b> No parameter accepts null and no method returns null, except where a method's
 * documentation says so ({@link Selection#backend()}, {@link Selection#reason()},
 * {@link Selection#setCookie()}, {@link Selection#address()} and {@link #listener()}).
 *
 * @since 0.1.0
 */
public interface LoadBalancer extends AutoCloseable {

  /**
   * The listener this pool was built from, or null for a client-side pool.
   *
   * @return the listener, or null when the pool serves a client rather than a listener
   */
  Listener listener();

  /**
   * The pool's name, for logs and metrics: the listener's name, or the name given to a client-side pool.
   * Every log line of the pool (its health transitions and ejections included) names it.
   *
   * @return the name
   * @since 0.1.0
   */
  String name();

  /**
   * What the pool runs under: the listener's {@link Listener#poolSettings() pool settings}, or a client-side
   * pool's own. The health-check policy in force is {@link #healthCheck()}, which runtime changes update;
   * this value keeps the policy the pool was built with.
   *
   * @return the settings
   * @since 0.1.0
   */
  PoolSettings settings();

  /**
   * Starts active health checking and the backend source. Does nothing on a started load balancer.
   *
   * @return this load balancer
   * @throws IllegalStateException when the load balancer is closed
   */
  LoadBalancer start();

  /**
   * Waits until at least one backend can take new traffic (healthy, enabled, weight above 0), for
   * example after {@link #start()} while the first health checks run: a new backend gets no traffic
   * until it has been checked. Blocks the calling thread: event-loop code uses {@link #whenReady()}.
   *
   * @param timeout how long to wait at most
   * @return true when a backend is available, false when {@code timeout} passed first or the load
   *     balancer is closed
   * @throws InterruptedException when the waiting thread is interrupted
   */
  boolean awaitAnyHealthy(Duration timeout) throws InterruptedException;

  /**
   * Waits until at least {@code backends} backends are healthy and take new traffic (checked healthy, not
   * ejected, enabled, weight above 0), for example a test that waits for its whole pool after
   * {@link #start()}. Blocks the calling thread: event-loop code uses {@link #whenHealthy}.
   *
   * @param backends how many, 1 or more
   * @param timeout how long to wait at most
   * @return true when that many are healthy, false when {@code timeout} passed first or the load balancer is
   *     closed
   * @throws IllegalArgumentException when {@code backends} is below 1
   * @throws IllegalStateException when called from an event consumer of this pool, which must not block
   * @throws InterruptedException when the waiting thread is interrupted
   * @since 0.1.0
   */
  boolean awaitHealthy(int backends, Duration timeout) throws InterruptedException;

  /**
   * The non-blocking form of {@link #awaitHealthy}: a future completed once at least {@code backends}
   * backends are healthy and take new traffic, with the same rules as {@link #whenReady()}.
   *
   * @param backends how many, 1 or more
   * @return a future of the caller's own
   * @throws IllegalArgumentException when {@code backends} is below 1
   * @since 0.1.0
   */
  CompletableFuture<Void> whenHealthy(int backends);

  /**
   * The non-blocking form of {@link #awaitAnyHealthy}: a future that completes once at least one backend
   * can take new traffic (at once when one already can), or completes exceptionally with an
   * {@link IllegalStateException} when the load balancer is closed first (and, for a pool fed by a backend
   * source, with a {@link java.util.concurrent.TimeoutException} when the source sent no first list in
   * time). Exact: the future completes right after the pool published a state that can serve, and its
   * dependent actions registered without an executor run then, before any later change (they run on the
   * thread that delivers the pool's events: keep them short, or use the {@code ...Async} variants). Each
   * call returns a new future, so cancelling or completing it affects no other caller, and a cancelled
   * future is let go at once: polling a pool that never becomes ready costs nothing that stays.
   *
   * @return a future completed when the pool can serve
   * @since 0.1.0
   */
  CompletableFuture<Void> whenReady();

  /**
   * Selects a backend for one request or connection. Never returns null and never throws because no
   * backend is eligible: the selection then carries the reason.
   *
   * @param context what the request carries (client address, cookies, hash key)
   * @return the selection, with a backend or the reason there is none
   * @throws NullPointerException when {@code context} is null
   */
  Selection select(RequestContext context);

  /**
   * Selects a backend for a retry of a request: as {@link #select(RequestContext)}, but never one whose id
   * is in {@code excludedBackendIds} (the backends this request already tried, Envoy's previous-hosts
   * predicate), whatever the scheduler or the client's session says. A session bound to an excluded backend
   * moves: the selection reports {@link Selection#sessionMoved()} and, with inserted cookies, carries a new
   * {@link Selection#setCookie()}. Hash schedulers send a retry to the owner of a re-hashed key, so every
   * instance of a fleet makes the same second choice for a key. When backends are eligible but every one of
   * them is excluded, the selection has no backend and the reason
   * {@link io.lb4j.api.scheduler.NoBackendReason#ALL_TRIED}.
   *
   * @param context what the request carries (client address, cookies, hash key)
   * @param excludedBackendIds ids of the backends not to select; empty for a plain {@link #select}
   * @return the selection, with a backend or the reason there is none
   * @since 0.1.0
   */
  Selection select(RequestContext context, Collection<String> excludedBackendIds);

  /**
   * Reports what happened to a selected request (feeds passive and traffic-aware health checking).
   *
   * @param selection the selection the request went to; one from another load balancer, or without a
   *     backend, is ignored
   * @param outcome what happened
   * @throws NullPointerException when an argument is null
   */
  void report(Selection selection, Outcome outcome);

  /**
   * Hands in the load report the selected backend sent with its response (ORCA's
   * {@value LoadReport#HEADER} header, parsed). A pool whose weights follow backend reports
   * ({@link PoolSettings#loadAware()} with {@link io.lb4j.api.load.LoadAwarePolicy.Signal#BACKEND_REPORTS})
   * keeps the latest report of each backend and uses it at its next weight update; any other pool ignores it.
   * lb4j's Layer-7 listener and {@code BalancedHttpClient} call it for every response that carries the header;
   * a client of its own calls it the same way. Lock-free; never blocks, and keeps one report per backend
   * whatever the rate.
   *
   * @param selection the selection the response came from; one from another load balancer, or without a
   *     backend, is ignored
   * @param report what the backend reported
   * @throws NullPointerException when an argument is null
   * @since 0.1.0
   */
  default void reportLoad(Selection selection, LoadReport report) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(report, "report");
  }

  /**
   * Tells the pool that the selected backend sent a load report that could not be read: counted per backend
   * (metrics, diagnostics), and the backend keeps the weight its last good report gave. Ignored by pools that
   * do not use reports. Lock-free.
   *
   * @param selection the selection the response came from
   * @param reason why the report was refused, for operators
   * @throws NullPointerException when an argument is null
   * @since 0.1.0
   */
  default void reportMalformedLoad(Selection selection, String reason) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Server-cookie persistence: tells the balancer about a {@code Set-Cookie} header the selected backend
   * sent, so requests carrying that cookie go back to it. Ignored for other persistence modes.
   *
   * @param selection the selection the response came from
   * @param setCookieHeader the value of the backend's {@code Set-Cookie} header
   */
  void observeSetCookie(Selection selection, String setCookieHeader);

  /**
   * Adds a backend.
   *
   * @param backend the backend
   * @throws IllegalArgumentException when a backend with the same id is a member (draining ones included)
   */
  void addBackend(Backend backend);

  /**
   * Removes a backend, draining it first when a drain timeout is configured.
   *
   * @param backendId the backend's id
   * @return false when no member has that id
   */
  boolean removeBackend(String backendId);

  /**
   * Replaces the whole membership with {@code backends}, as a service-discovery feed does: backends with
   * a new id are added, members missing from the list are removed (drained first when a drain timeout is
   * configured), and members whose weight, enabled flag or metadata changed are updated; a member whose
   * host or port changed is replaced. A draining member that is listed again stops draining. Applied as
   * one change: one publication to the scheduler, one membership event per backend that changed, none
   * for a backend that did not.
   *
   * @param backends the complete new list, ids unique
   * @throws IllegalArgumentException when two backends share an id; nothing is applied then
   * @since 0.1.0
   */
  void setBackends(Collection<Backend> backends);

  /**
   * Changes a backend's weight (0-100; 0 stops new traffic). Allowed on a draining backend too: the
   * weight then applies if it is listed again by {@link #setBackends}.
   *
   * @param backendId the backend's id
   * @param weight the new weight
   * @throws IllegalArgumentException when the weight is out of range or the backend is unknown
   */
  void setWeight(String backendId, int weight);

  /**
   * Takes a backend out of rotation ({@code false}) or puts it back ({@code true}) without changing its
   * weight; a disabled backend gets no new picks and its sessions move. Publishes an
   * {@link LoadBalancerEvent.MembershipChange#UPDATED} event when the flag changed.
   *
   * @param backendId the backend's id
   * @param enabled the new flag
   * @throws IllegalArgumentException when the backend is unknown
   * @since 0.1.0
   */
  void setEnabled(String backendId, boolean enabled);

  /**
   * Replaces the health-check policy (for example to disable checks); running probes switch over.
   *
   * @param policy the new policy
   */
  void setHealthCheck(HealthCheckPolicy policy);

  /**
   * The health-check policy in force: the one given at build time or by the last
   * {@link #setHealthCheck}.
   *
   * @return the policy
   * @since 0.1.0
   */
  HealthCheckPolicy healthCheck();

  /**
   * Health transitions (active and passive) of one backend with {@code from <= at < to}, oldest first.
   * Kept for 3 days and at most 10,000 events per pool, like a cloud balancer's health-check log.
   *
   * @param backendId the backend's id
   * @param from the first instant included
   * @param to the first instant excluded
   * @return the transitions, oldest first
   */
  List<HealthTransition> healthHistory(String backendId, Instant from, Instant to);

  /**
   * A snapshot of every backend, in the order they were added.
   *
   * @return one view per member
   */
  List<BackendView> view();

  /**
   * The priority tier that takes new picks now ({@link Backend#priority()}): the lowest tier with an
   * eligible backend, or the lowest tier when none has one. 0 for a pool whose backends all have the default
   * priority. Changes are announced by {@link LoadBalancerEvent.PriorityChanged}.
   *
   * @return the active tier, with what was reported before this call applied
   * @since 0.1.0
   */
  default int activePriority() {
    return Backend.DEFAULT_PRIORITY;
  }

  /**
   * The state of the backend source feeding this pool (pending, healthy, failing with its last error and
   * since when), or empty when the pool has none and its backends are set by hand.
   *
   * @return the source's state, with what the source delivered before this call applied
   * @since 0.1.0
   */
  default Optional<SourceState> sourceState() {
    return Optional.empty();
  }

  /**
   * Subscribes to every event. Events are delivered in the order they happened, one at a time, after the
   * change they announce is in effect, by the pool's control path: on the thread of the runtime call that
   * caused them, or on lb4j's shared control thread ({@code lb4j-control}: health checks, ejections, timers,
   * and events raised by selects, which never run a consumer on the selecting thread). Consumers must be
   * quick and must not block: the control thread is shared by every pool of the process, so a consumer that
   * blocks there holds up the health results and timers of all of them. A consumer may call back into the
   * load balancer: the call is applied at once and its own events follow those already being delivered.
   *
   * @param consumer receives each event; an exception it throws is logged and affects no other consumer
   * @return a handle whose {@code close()} unsubscribes
   */
  Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer);

  /**
   * Subscribes to health changes only (active checks, ejections and their end).
   *
   * @param consumer receives each health change
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onHealthChanged(Consumer<? super LoadBalancerEvent.HealthChanged> consumer) {
    return subscribe(LoadBalancerEvent.HealthChanged.class, consumer);
  }

  /**
   * Subscribes to membership changes only (added, updated, draining, removed).
   *
   * @param consumer receives each membership change
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onMembershipChanged(Consumer<? super LoadBalancerEvent.MembershipChanged> consumer) {
    return subscribe(LoadBalancerEvent.MembershipChanged.class, consumer);
  }

  /**
   * Subscribes to session moves only.
   *
   * @param consumer receives each session move
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onSessionMoved(Consumer<? super LoadBalancerEvent.SessionMoved> consumer) {
    return subscribe(LoadBalancerEvent.SessionMoved.class, consumer);
  }

  /**
   * Subscribes to "no eligible backend" events only.
   *
   * @param consumer receives each event
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onNoEligibleBackend(Consumer<? super LoadBalancerEvent.NoEligibleBackend> consumer) {
    return subscribe(LoadBalancerEvent.NoEligibleBackend.class, consumer);
  }

  /**
   * Subscribes to the start and end of fail-open mode only.
   *
   * @param consumer receives each change
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onPanicModeChanged(Consumer<? super LoadBalancerEvent.PanicModeChanged> consumer) {
    return subscribe(LoadBalancerEvent.PanicModeChanged.class, consumer);
  }

  /**
   * Subscribes to changes of the active priority tier only (a standby taking the traffic, or giving it back).
   *
   * @param consumer receives each change
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default Subscription onPriorityChanged(Consumer<? super LoadBalancerEvent.PriorityChanged> consumer) {
    return subscribe(LoadBalancerEvent.PriorityChanged.class, consumer);
  }

  /**
   * Subscribes to the events of one type.
   *
   * @param <E> the event type
   * @param type the event type
   * @param consumer receives each event of that type
   * @return a handle whose {@code close()} unsubscribes
   * @since 0.1.0
   */
  default <E extends LoadBalancerEvent> Subscription subscribe(Class<E> type, Consumer<? super E> consumer) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(consumer, "consumer");
    return subscribe(event -> {
      if (type.isInstance(event)) {
        consumer.accept(type.cast(event));
      }
    });
  }

  /** Stops health checking and every thread; idempotent. */
  @Override
  void close();
}
