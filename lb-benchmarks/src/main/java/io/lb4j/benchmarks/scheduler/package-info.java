/**
 * Scheduler pick benchmarks: every lb4j scheduler, a plain {@code AtomicLong}-over-array baseline and
 * peer libraries (gRPC-java, Apache Dubbo, Armeria, a textbook nginx smooth WRR under a lock), each
 * behind a tiny {@link io.lb4j.benchmarks.scheduler.Picker} adapter chosen by
 * {@link io.lb4j.benchmarks.scheduler.PickerType}.
 */
package io.lb4j.benchmarks.scheduler;
