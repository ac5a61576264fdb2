package io.lb4j.benchmarks.scheduler;

/**
 * One scheduler behind the smallest possible adapter. A pick that acquires a connection slot
 * (least connections, p2c, Dubbo's least active) releases it in the same call, so every pick leaves the
 * counts as it found them and the benchmark measures the acquire-release pair a real request pays.
 */
interface Picker {

  /**
   * Picks once.
   *
   * @param key index of the request key to use (hash schedulers); others ignore it
   * @return the picked backend (or the library's handle to it), never null
   */
  Object pick(int key);
}
