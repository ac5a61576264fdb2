/**
 * The Java peer's launcher for the side-by-side gateway comparison ({@code lb-benchmarks/run-gateway-comparison.sh}):
 * Vert.x's {@code vertx-http-proxy}, started as its own process on loopback in front of the backend the script
 * gives it (lb4j itself runs as users run it: the shipped {@code lb-gateway.jar} with its YAML defaults).
 * Measurement tools, not API.
 */
package io.lb4j.benchmarks.gateway;
