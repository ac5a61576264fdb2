package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import java.nio.file.Path;
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
 * @param viaId the listener's id in {@code Via} as the file sets it, or null for the gateway's default
 *     (unique per gateway instance)
 * @param cookieKeys the keys that sign inserted session cookies, read from a file, or null for a random key
 * @param line the 1-based line of the listener's {@code port} in the file (0 when unknown), so that a
 *     failure to bind it can point there
 */
public record ListenerConfig(Listener listener, String bindAddress, TlsFiles tls, List<Backend> backends,
    SourceConfig source, String viaId, CookieKeys cookieKeys, int line) {

  /** Checks and copies the components. */
  public ListenerConfig {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(bindAddress, "bindAddress");
    backends = List.copyOf(backends);
  }

  /** A listener with only the settings the tests and the Java API need; no Via id, cookie keys or line. */
  public ListenerConfig(Listener listener, String bindAddress, TlsFiles tls, List<Backend> backends,
      SourceConfig source) {
    this(listener, bindAddress, tls, backends, source, null, null, 0);
  }

  /** This listener with what a reload applies to a running one: settings, backends and cookie keys. */
  public ListenerConfig reloaded(Listener settings, List<Backend> newBackends, CookieKeys keys) {
    return new ListenerConfig(settings, bindAddress, tls, newBackends, source, viaId, keys, line);
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
