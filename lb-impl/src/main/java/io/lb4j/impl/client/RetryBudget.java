package io.lb4j.impl.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The token bucket behind {@link RetryPolicy#budgetRatio()}: each request deposits the ratio, each
 * retry withdraws one token, the bucket holds at most the burst and starts full.
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

  RetryBudget(RetryPolicy policy) {
    this.deposit = Math.round(policy.budgetRatio() * ONE_TOKEN);
    this.capacity = policy.budgetBurst() * ONE_TOKEN;
    this.milliTokens = new AtomicLong(capacity);
  }

  /** Called once per request, before its first attempt. */
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

  /** Gives back the token of a retry that could not be sent (no backend was eligible). */
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
