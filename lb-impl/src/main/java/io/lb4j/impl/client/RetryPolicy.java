package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.checkArgument;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how often a {@link BalancedHttpClient} retries a request on another backend: the most
 * attempts per request, the backoff between attempts, the statuses that count as retryable and the two
 * budgets that bound how many extra attempts all requests together may make.
 *
 * <p><b>What is retried</b> (gRPC's retry policy and Armeria's {@code RetryRule.failsafe()} rules): a
 * request that never left the client (connection refused, no route, connect timeout) whatever its
 * method; an idempotent request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or one the client is told is
 * idempotent) after a retryable status (default 502, 503, 504), a per-attempt timeout or a connection
 * reset; never a non-idempotent request that may have reached the server. Every attempt, the first
 * included, goes to a backend this request has not tried yet; when none is left the request stops.
 *
 * <p><b>Requeues and retries</b> (Finagle's words). A <i>requeue</i> is the next attempt of a request
 * that never left the client: its connection was refused, failed or timed out, so no server saw it. It
 * goes to another backend at once, without backoff (Finagle requeues immediately too). A <i>retry</i> is
 * the next attempt of a request a backend may have seen (a retryable status, a timeout, a reset): it
 * waits its backoff first.
 *
 * <p><b>Backoff.</b> Before retry {@code n} (1 for the first) the client waits
 * {@code min(initialBackoff x multiplier^(n-1), maxBackoff)}, spread at random by plus or minus
 * {@code jitter} of itself, so that clients that failed together do not retry together. Requeues do not
 * wait, and do not count as {@code n}.
 *
 * <p><b>Budgets</b> (token buckets, like gRPC's retry throttling and Finagle's {@code RetryBudget}).
 * Each request deposits {@code budgetRatio} of a token in the retry budget and
 * {@code requeueBudgetRatio} of one in the requeue budget; each retry withdraws one token from the
 * first, each requeue one from the second; each bucket holds at most its burst and starts full. When the
 * bucket is empty the request stops and the caller gets the last answer or failure (see
 * {@link BalancedHttpClient} for how to tell). Requeues have their own budget, so that a backend that
 * refuses connections cannot spend the tokens that retries after 5xx answers need, and a larger one (one
 * requeue per request), because it must cover every request that lands on a dead backend until health
 * checks take it out: with round robin over two backends and one of them down, that is every request,
 * since each requeue takes the live backend's turn. Finagle draws requeues and retries from one budget,
 * and Envoy counts connect failures against its one retry budget; both also stop picking a backend that
 * refuses connections within a few requests, which a pool here does only with outlier detection on.
 *
 * <p><b>The bound.</b> Over any stretch of {@code N} requests the client makes at most
 * {@code N + budgetBurst + budgetRatio x N + requeueBudgetBurst + requeueBudgetRatio x N} attempts, and
 * never more than {@code maxAttempts} for one request. With the defaults and every backend refusing
 * connections that is {@code 2 N + 10} attempts (2,010 for 1,000 requests, where 3 attempts each made
 * 3,000 before requeues were budgeted); with every backend answering 503 it is {@code 1.2 N + 10}.
 * Each attempt is one connection attempt of this client; the JDK's {@code HttpClient} tries a refused
 * connection once more below it (see {@link BalancedHttpClient}), so the connection attempts the
 * backends see are at most twice the attempts unless that is turned off.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()}, each setter validating its value.
 *
 * @since 0.1.0
 */
public final class RetryPolicy {

  /** Attempts per request, the first included, when none is set. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** The backoff before the second attempt when none is set. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(20);
  /** The longest backoff when none is set. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);
  /** The factor each backoff grows by when none is set. */
  public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;
  /** The random spread of each backoff, as a share of it, when none is set. */
  public static final double DEFAULT_JITTER = 0.2;
  /** The share of requests that may be retried when none is set. */
  public static final double DEFAULT_BUDGET_RATIO = 0.2;
  /** The retries that may be sent at once before the ratio applies, when none is set. */
  public static final int DEFAULT_BUDGET_BURST = 10;
  /** The share of requests that may be requeued when none is set. */
  public static final double DEFAULT_REQUEUE_BUDGET_RATIO = 1.0;
  /** The requeues that may be sent at once before the ratio applies, when none is set. */
  public static final int DEFAULT_REQUEUE_BUDGET_BURST = 10;

  static final int MAX_MAX_ATTEMPTS = 10;
  static final int MAX_BUDGET_BURST = 1000;
  static final double MAX_REQUEUE_BUDGET_RATIO = 10.0;
  private static final Duration MAX_BACKOFF_LIMIT = Duration.ofSeconds(60);
  private static final Set<Integer> DEFAULT_RETRYABLE_STATUSES = Set.of(502, 503, 504);

  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double backoffMultiplier;
  private final double jitter;
  private final boolean[] retryableStatus;
  private final double budgetRatio;
  private final int budgetBurst;
  private final double requeueBudgetRatio;
  private final int requeueBudgetBurst;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.backoffMultiplier = b.backoffMultiplier;
    this.jitter = b.jitter;
    this.retryableStatus = new boolean[600];
    for (int status : b.retryableStatuses) {
      retryableStatus[status] = true;
    }
    this.budgetRatio = b.budgetRatio;
    this.budgetBurst = b.budgetBurst;
    this.requeueBudgetRatio = b.requeueBudgetRatio;
    this.requeueBudgetBurst = b.requeueBudgetBurst;
  }

  /**
   * The defaults: 3 attempts, backoff 20ms doubling to 1s with 20% jitter, 502/503/504, retry budget
   * 20% + 10, requeue budget 100% + 10.
   */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** A policy that never retries (one attempt). */
  public static RetryPolicy none() {
    return NONE;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxAttempts = maxAttempts;
    b.initialBackoff = initialBackoff;
    b.maxBackoff = maxBackoff;
    b.backoffMultiplier = backoffMultiplier;
    b.jitter = jitter;
    b.retryableStatuses = retryableStatuses();
    b.budgetRatio = budgetRatio;
    b.budgetBurst = budgetBurst;
    b.requeueBudgetRatio = requeueBudgetRatio;
    b.requeueBudgetBurst = requeueBudgetBurst;
    return b;
  }

  /** Attempts per request, the first included, requeues and retries alike (1 means no retry). */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff before the second attempt, before jitter. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The longest backoff, before jitter. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The factor each backoff grows by. */
  public double backoffMultiplier() {
    return backoffMultiplier;
  }

  /** The random spread of each backoff, as a share of it (0 to 1). */
  public double jitter() {
    return jitter;
  }

  /** The statuses after which an idempotent request is retried, in ascending order. */
  public Set<Integer> retryableStatuses() {
    Set<Integer> statuses = new TreeSet<>();
    for (int s = 500; s < retryableStatus.length; s++) {
      if (retryableStatus[s]) {
        statuses.add(s);
      }
    }
    return statuses;
  }

  /** True when {@code status} is one of {@link #retryableStatuses()}. */
  public boolean isRetryableStatus(int status) {
    return status >= 0 && status < retryableStatus.length && retryableStatus[status];
  }

  /** The retry budget's ratio: the share of requests that may be retried (tokens deposited per request). */
  public double budgetRatio() {
    return budgetRatio;
  }

  /** The most tokens the retry budget holds (and starts with): retries that may be sent at once. */
  public int budgetBurst() {
    return budgetBurst;
  }

  /**
   * The requeue budget's ratio: requeues allowed per request on average (tokens deposited per request in
   * the requeue budget).
   */
  public double requeueBudgetRatio() {
    return requeueBudgetRatio;
  }

  /** The most tokens the requeue budget holds (and starts with): requeues that may be sent at once. */
  public int requeueBudgetBurst() {
    return requeueBudgetBurst;
  }

  /**
   * The backoff before retry number {@code retry}, 1 for the first (requeues are not counted).
   *
   * @param random a uniformly distributed number in [0, 1) that places the jitter
   */
  long backoffNanos(int retry, double random) {
    double base = initialBackoff.toNanos() * Math.pow(backoffMultiplier, retry - 1);
    double capped = Math.min(base, maxBackoff.toNanos());
    return (long) (capped * (1 - jitter + 2 * jitter * random));
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RetryPolicy)) {
      return false;
    }
    RetryPolicy p = (RetryPolicy) o;
    return maxAttempts == p.maxAttempts && initialBackoff.equals(p.initialBackoff) && maxBackoff.equals(p.maxBackoff)
        && backoffMultiplier == p.backoffMultiplier && jitter == p.jitter
        && Arrays.equals(retryableStatus, p.retryableStatus) && budgetRatio == p.budgetRatio
        && budgetBurst == p.budgetBurst && requeueBudgetRatio == p.requeueBudgetRatio
        && requeueBudgetBurst == p.requeueBudgetBurst;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, maxBackoff, backoffMultiplier, jitter,
        Arrays.hashCode(retryableStatus), budgetRatio, budgetBurst, requeueBudgetRatio, requeueBudgetBurst);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + " backoff=" + format(initialBackoff) + ".." + format(maxBackoff)
        + " x" + backoffMultiplier + " jitter=" + jitter + " statuses=" + retryableStatuses()
        + " budget=" + budgetRatio + "+" + budgetBurst + " requeueBudget=" + requeueBudgetRatio + "+"
        + requeueBudgetBurst + "}";
  }

  /**
   * Builds a {@link RetryPolicy}. Each setter validates its value ({@link IllegalArgumentException}
   * naming the field, value and allowed range) and keeps the previous value when it throws;
   * {@link #build()} checks rules that span fields ({@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double backoffMultiplier = DEFAULT_BACKOFF_MULTIPLIER;
    private double jitter = DEFAULT_JITTER;
    private Set<Integer> retryableStatuses = DEFAULT_RETRYABLE_STATUSES;
    private double budgetRatio = DEFAULT_BUDGET_RATIO;
    private int budgetBurst = DEFAULT_BUDGET_BURST;
    private double requeueBudgetRatio = DEFAULT_REQUEUE_BUDGET_RATIO;
    private int requeueBudgetBurst = DEFAULT_REQUEUE_BUDGET_BURST;

    private Builder() {}

    /** Attempts per request, the first included: 1-10 (default 3; 1 turns retries off). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = checkRange("retry.maxAttempts", maxAttempts, 1, MAX_MAX_ATTEMPTS);
      return this;
    }

    /** The backoff before the second attempt: 0-60s (default 20ms). */
    public Builder initialBackoff(Duration backoff) {
      this.initialBackoff = checkRange("retry.initialBackoff", backoff, Duration.ZERO, MAX_BACKOFF_LIMIT);
      return this;
    }

    /** The longest backoff: 0-60s (default 1s); not below {@link #initialBackoff(Duration)}. */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = checkRange("retry.maxBackoff", backoff, Duration.ZERO, MAX_BACKOFF_LIMIT);
      return this;
    }

    /** The factor each backoff grows by: 1.0-10.0 (default 2.0). */
    public Builder backoffMultiplier(double multiplier) {
      checkArgument(multiplier >= 1.0 && multiplier <= 10.0, "retry.backoffMultiplier", "between 1.0 and 10.0",
          multiplier);
      this.backoffMultiplier = multiplier;
      return this;
    }

    /** The random spread of each backoff as a share of it: 0.0-1.0 (default 0.2, that is plus or minus 20%). */
    public Builder jitter(double jitter) {
      checkArgument(jitter >= 0.0 && jitter <= 1.0, "retry.jitter", "between 0.0 and 1.0", jitter);
      this.jitter = jitter;
      return this;
    }

    /**
     * The statuses after which an idempotent request is retried: each 500-599 (default 502, 503, 504).
     * An empty set retries on no status (connection failures and timeouts only).
     */
    public Builder retryableStatuses(Set<Integer> statuses) {
      Objects.requireNonNull(statuses, "retry.retryableStatuses");
      for (Integer status : statuses) {
        checkArgument(status != null && status >= 500 && status <= 599, "retry.retryableStatuses",
            "5xx statuses (500-599)", statuses);
      }
      this.retryableStatuses = Set.copyOf(statuses);
      return this;
    }

    /**
     * The retry budget's ratio, 0.0-1.0 (default 0.2): the share of requests that may be retried after
     * they may have reached a server. 0 leaves only the burst, which then never refills.
     */
    public Builder budgetRatio(double ratio) {
      checkArgument(ratio >= 0.0 && ratio <= 1.0, "retry.budgetRatio", "between 0.0 and 1.0", ratio);
      this.budgetRatio = ratio;
      return this;
    }

    /**
     * The retry budget's burst, 1-1000 (default 10): the most tokens it holds and starts with, that is the
     * retries that may be sent at once before the ratio applies. {@code budgetRatio(0).budgetBurst(1)}
     * allows a single retry for the life of the client.
     */
    public Builder budgetBurst(int burst) {
      this.budgetBurst = checkRange("retry.budgetBurst", burst, 1, MAX_BUDGET_BURST);
      return this;
    }

    /**
     * The requeue budget's ratio, 0.0-10.0 (default 1.0): requeues allowed per request on average, for
     * requests that never left the client (refused or failed connections). 9 or more never limits, as
     * no request makes more than 10 attempts.
     */
    public Builder requeueBudgetRatio(double ratio) {
      checkArgument(ratio >= 0.0 && ratio <= MAX_REQUEUE_BUDGET_RATIO, "retry.requeueBudgetRatio",
          "between 0.0 and 10.0", ratio);
      this.requeueBudgetRatio = ratio;
      return this;
    }

    /**
     * The requeue budget's burst, 1-1000 (default 10): the most tokens it holds and starts with, that is
     * the requeues that may be sent at once before the ratio applies.
     */
    public Builder requeueBudgetBurst(int burst) {
      this.requeueBudgetBurst = checkRange("retry.requeueBudgetBurst", burst, 1, MAX_BUDGET_BURST);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when {@code maxBackoff} is below {@code initialBackoff}
     */
    public RetryPolicy build() {
      checkState(maxBackoff.compareTo(initialBackoff) >= 0, "retry.maxBackoff " + format(maxBackoff)
          + " must not be below retry.initialBackoff " + format(initialBackoff));
      return new RetryPolicy(this);
    }
  }
}
