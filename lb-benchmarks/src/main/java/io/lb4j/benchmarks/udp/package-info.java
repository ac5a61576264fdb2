/**
 * The UDP comparison ({@code lb-benchmarks/run-udp-comparison.sh}): a UDP echo backend, an lb4j UDP listener
 * launcher and a request-reply load client, each its own process on loopback, measured beside nginx's
 * {@code stream} module ({@code listen ... udp}). Measurement tools, not API.
 */
package io.lb4j.benchmarks.udp;
