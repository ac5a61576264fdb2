package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.PoolSettings;
import java.util.List;
import java.util.Objects;

/**
 * One server group of a listener in the file ({@code groups:}): its backends or source, the pool settings it
 * runs under (the listener's, with the group's own {@code scheduler}, {@code healthCheck},
 * {@code outlierDetection}, {@code sessionPersistence}, {@code drainTimeout}, {@code slowStart} and
 * {@code backendPort} in their place), its standby group and where it is in the file. Immutable.
 *
 * @param name the group's name
 * @param backends its listed backends (empty when a source provides them)
 * @param source where its backends come from instead, or null
 * @param settings the settings its pool runs under
 * @param standby its standby group's name, or null
 * @param line the line of its name in the file
 */
public record GroupConfig(String name, List<Backend> backends, SourceConfig source, PoolSettings settings,
    String standby, int line) {

  /** Checks and copies the components. */
  public GroupConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(settings, "settings");
    backends = List.copyOf(backends);
  }
}
