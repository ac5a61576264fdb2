package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.impl.listener.Http2Limits;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.UdpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One listener of a gateway configuration: lb4j's {@link Listener} (protocol, ports, scheduler, health
 * check, persistence, timeouts, limits), the address it binds, its TLS files (HTTPS only), its backends,
 * and where it is in the file. Immutable.
 *
 * @param listener the validated listener settings
 * @param bindAddress the local address to bind, an IP literal such as {@code 0.0.0.0} or {@code 127.0.0.1}
 * @param tls the certificate chain and private key (PEM) for HTTPS, or null
 * @param backends the pool's backends, in file order (empty when a source provides them)
 * @param source where the backends come from instead, or null when they are listed
 * @param backendPool Layer 7: the idle keep-alive connections kept to backends
 * @param http2Limits Layer 7: the HTTP/2 limits of client (and h2c backend) connections, or null for
 *     {@link ListenerServer}'s default
 * @param maxConnections the most client connections the listener holds at once, or 0 for the default (the
 *     process's {@code ConnectionBudget})
 * @param viaId the listener's id in {@code Via} as the file sets it, or null for the gateway's default
 *     (unique per gateway instance)
 * @param cookieKeys the keys that sign inserted session cookies, read from a file, or null for a random key
 * @param line the 1-based line of the listener's {@code port} in the file (0 when unknown), so that a
 *     failure to bind it can point there
 * @param routing the listener's server groups and forwarding rules ({@code groups:}), or null when its
 *     backends are listed or come from a source directly
 * @param udp a UDP listener's flow settings ({@code udp:}), or null for another protocol
 * @param fleet the pool's load-aware weights and subset ({@code loadAware}, {@code subset} in the file)
 */
public record ListenerConfig(Listener listener, String bindAddress, TlsFiles tls, List<Backend> backends,
    SourceConfig source, BackendPool backendPool, Http2Limits http2Limits, int maxConnections, String viaId,
    CookieKeys cookieKeys, int line, RoutingConfig routing, UdpSettings udp, FleetOptions fleet) {

  /** Checks and copies the components. */
  public ListenerConfig {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(backendPool, "backendPool");
    Objects.requireNonNull(fleet, "fleet");
    backends = List.copyOf(backends);
  }

  /**
   * The pool options that are not the listener's: load-aware weights and deterministic subsetting.
   *
   * @param loadAware the load-aware policy, or null for the configured weights
   * @param subset the subset policy, or null for every backend
   */
  public record FleetOptions(LoadAwarePolicy loadAware, SubsetPolicy subset) {
    /** Neither: configured weights, every backend. */
    public static final FleetOptions NONE = new FleetOptions(null, null);
  }

  /**
   * A listener with only the settings the tests and the Java API need: the default backend pool and
   * connection cap; no Via id, cookie keys or line.
   */
  public ListenerConfig(Listener listener, String bindAddress, TlsFiles tls, List<Backend> backends,
      SourceConfig source) {
    this(listener, bindAddress, tls, backends, source, BackendPool.DEFAULTS, null, 0, null, null, 0, null,
        listener.frontendProtocol() == io.lb4j.api.Protocol.UDP ? UdpSettings.defaults() : null, FleetOptions.NONE);
  }

  /** This listener with what a reload applies to a running one: settings, backends and cookie keys. */
  public ListenerConfig reloaded(Listener settings, List<Backend> newBackends, CookieKeys keys) {
    return new ListenerConfig(settings, bindAddress, tls, newBackends, source, backendPool, http2Limits,
        maxConnections, viaId, keys, line, routing, udp, fleet);
  }

  /** This listener with another routing (a reload applied it). */
  public ListenerConfig withRouting(RoutingConfig newRouting) {
    return new ListenerConfig(listener, bindAddress, tls, backends, source, backendPool, http2Limits,
        maxConnections, viaId, cookieKeys, line, newRouting, udp, fleet);
  }

  /**
   * Layer 7: the pool of idle keep-alive backend connections ({@code backendPool} in the file); values
   * are checked where they are read, with {@link ListenerServer}'s ranges.
   *
   * @param maxIdlePerBackend idle connections kept per backend and event loop
   * @param idleTimeout how long an idle connection stays open
   */
  public record BackendPool(int maxIdlePerBackend, Duration idleTimeout) {
    /** {@link ListenerServer}'s defaults: what the load needs, closed after 30 s idle. */
    public static final BackendPool DEFAULTS = new BackendPool(ListenerServer.DEFAULT_MAX_IDLE_PER_BACKEND,
        ListenerServer.DEFAULT_BACKEND_IDLE_TIMEOUT);

    /** Checks the components are present. */
    public BackendPool {
      Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
  }

  /**
   * PEM files for an HTTPS listener.
   *
   * @param certificateChain the certificate chain, leaf first
   * @param privateKey the unencrypted PKCS#8 private key
   */
  public record TlsFiles(Path certificateChain, Path privateKey) {

    /** Checks the components. */
    public TlsFiles {
      Objects.requireNonNull(certificateChain, "certificateChain");
      Objects.requireNonNull(privateKey, "privateKey");
    }
  }
}
