/**
 * HTTP/1.1 codec benchmarks: lb4j's strict codec ({@code io.lb4j.impl.listener.http}) next to Netty's
 * HTTP/1.1 codec doing the same proxy work, in one run.
 */
package io.lb4j.benchmarks.http;
