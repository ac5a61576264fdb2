/**
 * The selection core: one {@link io.lb4j.api.scheduler.Scheduler} per algorithm, created through
 * {@link io.lb4j.impl.scheduler.Schedulers}.
 *
 * <p>Every scheduler here follows the same design. {@code update} builds an immutable snapshot of the
 * eligible candidates (copy-on-write) and publishes it with one volatile write; {@code pick} reads the
 * snapshot once and never blocks, never throws for "no backend" and allocates nothing. Updates are
 * serialised among themselves (they are rare and come from one control thread) but never wait for or
 * block pickers.
 *
 * <p>Only {@code Schedulers} is public; the implementations are package-private and may change.
 */
package io.lb4j.impl.scheduler;
