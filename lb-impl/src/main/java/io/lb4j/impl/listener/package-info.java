/**
 * Listeners that carry traffic: {@link io.lb4j.impl.listener.ListenerServer} binds a {@link io.lb4j.api.Listener}'s
 * port and forwards connections or datagrams (Layer 4, TCP and UDP) or HTTP requests (Layer 7) to the backends a
 * {@link io.lb4j.api.LoadBalancer} selects, on a few NIO event-loop threads, JDK only.
 *
 * <p>Public here: {@code ListenerServer} and its builder, {@code ListenerState}, {@code ListenerMetrics},
 * {@code FailureCause}, {@code ProxyProtocol}, {@code PemSsl}, {@code UdpSettings}, {@code UdpMetrics} and
 * {@code BandwidthMetrics}. Everything else is package-private;
 * sub-packages are internal and can change or disappear at any time.
 */
package io.lb4j.impl.listener;
