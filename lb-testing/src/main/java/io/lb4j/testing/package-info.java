/**
 * lb4j's test kit: real HTTP and TCP backends on loopback that can be made slow, failing or broken while a test
 * runs ({@link io.lb4j.testing.HttpTestBackend}, {@link io.lb4j.testing.TcpTestBackend},
 * {@link io.lb4j.testing.UdpTestBackend}), a JUnit 5 extension
 * that starts and stops a fleet of them ({@link io.lb4j.testing.FleetExtension}), and assertions on how traffic
 * moved ({@link io.lb4j.testing.TrafficAssertions}, {@link io.lb4j.testing.CallLog},
 * {@link io.lb4j.testing.Await}), and a fault proxy for any TCP service ({@link io.lb4j.testing.FaultProxy}).
 *
 * <p>The kit depends on lb-api and the JUnit Jupiter API only, so it serves tests of any balancer.
 *
 * @since 0.1.0
 */
package io.lb4j.testing;
