package io.lb4j.benchmarks.scheduler;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The textbook nginx smooth weighted round robin (ngx_http_upstream_get_peer): each pick adds every
 * weight to its current weight, takes the largest, and subtracts the total from it. O(n) per pick under
 * one lock, as nginx's upstream module does per worker. The peer baseline, not lb4j code.
 */
final class NginxSmoothWrr {

  private final ReentrantLock lock = new ReentrantLock();
  private final Object[] backends;
  private final int[] weights;
  private final int[] current;
  private final int total;

  NginxSmoothWrr(Object[] backends, int[] weights) {
    this.backends = backends.clone();
    this.weights = weights.clone();
    this.current = new int[weights.length];
    int sum = 0;
    for (int w : weights) {
      sum += w;
    }
    this.total = sum;
  }

  Object pick() {
    lock.lock();
    try {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best < 0 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      return backends[best];
    } finally {
      lock.unlock();
    }
  }
}
