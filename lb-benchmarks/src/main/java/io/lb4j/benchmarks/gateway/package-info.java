/**
 * Launchers for the side-by-side gateway comparison ({@code lb-benchmarks/run-gateway-comparison.sh}): an lb4j
 * Layer-7 or Layer-4 listener and the Java peer, Vert.x's {@code vertx-http-proxy}, each started as its own
 * process on loopback in front of the backends the script gives it. Measurement tools, not API.
 */
package io.lb4j.benchmarks.gateway;
