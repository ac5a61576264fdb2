package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One listener of a gateway configuration: lb4j's {@link Listener} (protocol, ports, scheduler, health
 * check, persistence, timeouts, limits), the address it binds, its TLS files (HTTPS only) and its
 * backends. Immutable.
 *
 * @param listener the validated listener settings
 * @param bindAddress the local address to bind, such as {@code 0.0.0.0} or {@code 127.0.0.1}
 * @param tls the certificate chain and private key (PEM) for HTTPS, or null
 * @param backends the pool's backends, in file order (empty when a source provides them)
 * @param source where the backends come from instead, or null when they are listed
 */
public record ListenerConfig(Listener listener, String bindAddress, TlsFiles tls, List<Backend> backends,
    SourceConfig source) {

  /** Checks and copies the components. */
  public ListenerConfig {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(bindAddress, "bindAddress");
    backends = List.copyOf(backends);
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
