/** Scheduling: the {@link io.lb4j.api.scheduler.Scheduler} interface, algorithms and pick results. */
package io.lb4j.api.scheduler;
