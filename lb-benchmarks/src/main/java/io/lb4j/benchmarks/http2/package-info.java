/**
 * HTTP/2 benchmarks: lb4j's HPACK decoder ({@code io.lb4j.impl.listener.http2}) next to Netty's, in one
 * run.
 */
package io.lb4j.benchmarks.http2;
