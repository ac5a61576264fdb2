package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void startsFull_depositsTheRatioPerRequest_andNeverHoldsMoreThanTheBurst() {
    RetryBudget budget = new RetryBudget(0.25, 2);

    assertThat(budget.tryWithdraw()).isTrue();
    assertThat(budget.tryWithdraw()).isTrue();
    assertThat(budget.tryWithdraw()).isFalse();
    for (int i = 0; i < 3; i++) {
      budget.onRequest();
    }
    assertThat(budget.tryWithdraw()).isFalse(); // 0.75 of a token
    budget.onRequest();
    assertThat(budget.tryWithdraw()).isTrue();
    for (int i = 0; i < 100; i++) {
      budget.onRequest();
    }
    assertThat(budget.tokens()).isEqualTo(2.0);
    budget.refund();
    assertThat(budget.tokens()).isEqualTo(2.0);
  }

  @Test
  void concurrentWithdrawals_neverSpendMoreThanTheBucketHeld() throws Exception {
    int burst = 1000;
    RetryBudget budget = new RetryBudget(0.0, burst);

    List<Integer> granted = RetryTest.runConcurrently(8, 400, () -> budget.tryWithdraw() ? 1 : 0);

    assertThat(granted).hasSize(3200);
    assertThat(granted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(burst);
    assertThat(budget.tokens()).isZero();
  }
}
