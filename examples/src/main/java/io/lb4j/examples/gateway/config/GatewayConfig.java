package io.lb4j.examples.gateway.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated gateway configuration: its listeners, each with its pool of backends. Immutable; built
 * only by {@link GatewayConfigParser}, so every instance passed validation as a whole.
 *
 * @param listeners the listeners, in file order, at least one
 * @param maxConnections the client connections all listeners hold together, or 0 for the default
 *     ({@code ConnectionBudget.processDefault()}, sized from the heap)
 */
public record GatewayConfig(List<ListenerConfig> listeners, int maxConnections) {

  /** Copies the list. */
  public GatewayConfig {
    listeners = List.copyOf(listeners);
  }

  /** A configuration with the default process-wide connection budget. */
  public GatewayConfig(List<ListenerConfig> listeners) {
    this(listeners, 0);
  }

  /** The listener with this name. */
  public Optional<ListenerConfig> listener(String name) {
    Objects.requireNonNull(name, "name");
    return listeners.stream().filter(l -> l.listener().name().equals(name)).findFirst();
  }
}
