package io.lb4j.impl.pool;

import io.lb4j.api.Outcome;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.load.ObservedLatencyWeights;
import io.lb4j.impl.load.ReportedLoadWeights;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * One member's load-aware state, on the {@link Member} itself so that neither a report nor an update looks
 * the backend up by id: what the request threads hand in (the latest load report, the outcomes observed since
 * the last update, malformed reports), and what the pool's {@link LoadWeighting} keeps (the calculator's state,
 * the current load weight).
 *
 * <p><b>Bounded memory, no waiting.</b> A request thread never queues anything: a report replaces the one
 * slot's previous report (only the latest counts: an update uses the latest report, as gRPC's weight is its
 * backend's last report), and an outcome adds to a few counters. The update, a task of the pool's control
 * context, takes the slot and the counters every period. So a member costs the same memory at 10 and at
 * 100,000 responses a second, and the request path is a volatile write or a few {@link LongAdder} additions:
 * lock-free, and allocation-free once a contended adder has its cells.
 *
 * <p><b>Threading.</b> The hand-in side ({@link #offer}, {@link #observe}, {@link #refused}) is called by any
 * thread; {@link #take}, {@link #drainObserved} and the fields marked so are confined to the control context;
 * the read side for metrics ({@link #lastReport}, counters) is safe from any thread.
 */
final class MemberLoad {

  /** The most failures one update applies: each multiplies the estimate, which reaches its cap long before. */
  static final int MAX_FAILURES_PER_UPDATE = 64;

  private static final VarHandle LATEST;

  static {
    try {
      LATEST = MethodHandles.lookup().findVarHandle(MemberLoad.class, "latest", LoadReport.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The calculator's state for this member: reports or observed latency, whichever the pool uses. */
  final ReportedLoadWeights.State reported;
  final ObservedLatencyWeights.State observed;

  /** The report handed in since the last update, or null; swapped with {@link #LATEST}. */
  private volatile LoadReport latest;
  private volatile LoadReport lastReport;
  private final LongAdder reports = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private volatile String lastMalformed = "";
  private final LongAdder successes = new LongAdder();
  private final LongAdder successNanos = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder failureNanos = new LongAdder();

  /**
   * The load weight (1-100) the planner uses; 0 until the first update assigns one. Written by the control
   * context only; volatile for metrics readers.
   */
  volatile int weight;
  /** Whether the member was usable at the previous update (to restart the blackout on its return). Confined. */
  boolean wasUsable;

  private MemberLoad(ReportedLoadWeights.State reported, ObservedLatencyWeights.State observed) {
    this.reported = reported;
    this.observed = observed;
  }

  /** A member whose weight follows its reports. */
  static MemberLoad reported(ReportedLoadWeights.State state) {
    return new MemberLoad(state, null);
  }

  /** A member whose weight follows the latency the pool observes. */
  static MemberLoad observed(ObservedLatencyWeights.State state) {
    return new MemberLoad(null, state);
  }

  // ---- any thread ----

  /** A report read from one of the member's responses: it replaces the one not yet taken. */
  void offer(LoadReport report) {
    latest = report;
    reports.increment();
  }

  /** A report that did not parse: counted, with its reason; the member keeps its weight. */
  void refused(String reason) {
    malformed.increment();
    lastMalformed = reason;
  }

  /**
   * One outcome, for observed latency: a success of unknown latency ({@link Outcome#success()}) tells
   * nothing about speed and is skipped; a failure counts whatever its latency.
   */
  void observe(Outcome outcome) {
    long nanos = outcome.latency().toNanos();
    if (outcome.isFailure()) {
      failures.increment();
      failureNanos.add(nanos);
    } else if (nanos > 0) {
      successes.increment();
      successNanos.add(nanos);
    }
  }

  /** The last report an update applied, or null. */
  LoadReport lastReport() {
    return lastReport;
  }

  long reports() {
    return reports.sum();
  }

  long malformed() {
    return malformed.sum();
  }

  String lastMalformed() {
    return lastMalformed;
  }

  // ---- control context ----

  /** The report handed in since the last call, or null; it becomes {@link #lastReport()}. */
  LoadReport take() {
    LoadReport r = (LoadReport) LATEST.getAndSet(this, null);
    if (r != null) {
      lastReport = r;
    }
    return r;
  }

  /**
   * Feeds the outcomes observed since the last call to the estimator at {@code now}: the mean latency of the
   * successes as one sample (the estimate's decay depends on the time between samples, not their number, so
   * one sample of the period's mean moves it as the period's samples would have, to first order), then each
   * failure, up to {@value #MAX_FAILURES_PER_UPDATE}. A sample that lands between two of the reads below is
   * counted in the next period, or moves one period's mean a little: the price of counters without a lock.
   */
  void drainObserved(ObservedLatencyWeights estimator, long now) {
    long n = successes.sumThenReset();
    long nanos = successNanos.sumThenReset();
    long failed = failures.sumThenReset();
    long failedNanos = failureNanos.sumThenReset();
    if (n > 0) {
      estimator.onOutcome(observed, nanos / n, false, now);
    }
    if (failed > 0) {
      long mean = failedNanos / failed;
      for (long i = Math.min(failed, MAX_FAILURES_PER_UPDATE); i > 0; i--) {
        estimator.onOutcome(observed, mean, true, now);
      }
    }
  }
}
