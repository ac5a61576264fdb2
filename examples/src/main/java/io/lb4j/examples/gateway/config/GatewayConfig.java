package io.lb4j.examples.gateway.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated gateway configuration: its listeners, each with its pool of backends, and the admin endpoint.
 * Immutable; built by {@link GatewayConfigParser}, so every instance it returns passed validation as a whole.
 *
 * @param listeners the listeners, in file order, at least one
 * @param maxConnections the client connections all listeners hold together, or 0 for the default
 *     ({@code ConnectionBudget.processDefault()}, sized from the heap)
 * @param admin the admin endpoint, or null when it is off (the default)
 */
public record GatewayConfig(List<ListenerConfig> listeners, int maxConnections, AdminConfig admin) {

  /** Copies the list. */
  public GatewayConfig {
    listeners = List.copyOf(listeners);
  }

  /** A configuration with the default process-wide connection budget and no admin endpoint. */
  public GatewayConfig(List<ListenerConfig> listeners) {
    this(listeners, 0, null);
  }

  /** The listener with this name. */
  public Optional<ListenerConfig> listener(String name) {
    Objects.requireNonNull(name, "name");
    return listeners.stream().filter(l -> l.listener().name().equals(name)).findFirst();
  }

  /**
   * The admin endpoint ({@code admin: {port: 9901, bind: 127.0.0.1}}): {@code /status}, {@code /status.json},
   * {@code /metrics}, {@code /ready} and {@code /live} on a port of its own.
   *
   * @param bindAddress the address it binds, an IP literal; {@code 127.0.0.1} unless the file says otherwise
   * @param port its port, 1-65535
   * @param line the line of its port in the file, for a failure to bind
   */
  public record AdminConfig(String bindAddress, int port, int line) {

    /** The default bind address: loopback, so only this host reaches the endpoint. */
    public static final String DEFAULT_BIND = "127.0.0.1";

    /** Checks the components. */
    public AdminConfig {
      Objects.requireNonNull(bindAddress, "bindAddress");
    }
  }
}
