package io.lb4j.impl.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One token bucket of a client: its retry budget ({@link RetryPolicy#budgetRatio()}) or its requeue
 * budget ({@link RetryPolicy#requeueBudgetRatio()}). Each request deposits the ratio, each retry (or
 * requeue) withdraws one token, the bucket holds at most the burst and starts full.
 *
 * <p>Tokens are counted in thousandths in one {@link AtomicLong}, so deposits and withdrawals are exact
 * (no floating-point drift) and lock-free: a withdrawal is a CAS that succeeds only while a whole token
 * is left, so concurrent retries can never spend more than was deposited. Thread-safe.
 */
final class RetryBudget {
  private static final long ONE_TOKEN = 1000;

  private final long deposit;
  private final long capacity;
  private final AtomicLong milliTokens;

  RetryBudget(double ratio, int burst) {
    this.deposit = Math.round(ratio * ONE_TOKEN);
    this.capacity = burst * ONE_TOKEN;
    this.milliTokens = new AtomicLong(capacity);
  }

  /** The client's retry budget under {@code policy}. */
  static RetryBudget retries(RetryPolicy policy) {
    return new RetryBudget(policy.budgetRatio(), policy.budgetBurst());
  }

  /** The client's requeue budget under {@code policy}. */
  static RetryBudget requeues(RetryPolicy policy) {
    return new RetryBudget(policy.requeueBudgetRatio(), policy.requeueBudgetBurst());
  }

  /**
   * Called once per request, before its first attempt. A full bucket (the usual state) is only read, so
   * concurrent requests share its cache line instead of fighting over it.
   */
  void onRequest() {
    if (deposit == 0) {
      return;
    }
    long current;
    do {
      current = milliTokens.get();
      if (current >= capacity) {
        return;
      }
    } while (!milliTokens.compareAndSet(current, Math.min(capacity, current + deposit)));
  }

  /** Takes one token for a retry; false (and nothing taken) when less than one is left. */
  boolean tryWithdraw() {
    long current;
    do {
      current = milliTokens.get();
      if (current < ONE_TOKEN) {
        return false;
      }
    } while (!milliTokens.compareAndSet(current, current - ONE_TOKEN));
    return true;
  }

  /** Gives back the token of a retry that could not be sent (no backend was eligible, the caller gave up). */
  void refund() {
    long current;
    do {
      current = milliTokens.get();
    } while (!milliTokens.compareAndSet(current, Math.min(capacity, current + ONE_TOKEN)));
  }

  /** The tokens left, for tests and diagnostics. */
  double tokens() {
    return milliTokens.get() / (double) ONE_TOKEN;
  }
}
