package io.lb4j.examples.gateway.config;

import io.lb4j.api.discovery.BackendSource;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where a listener's backends come from when they are not listed in the file: DNS (A/AAAA or SRV), a
 * ZooKeeper service registered with Curator's {@code curator-x-discovery}, or a watched file. Validated when
 * the configuration is read; the source itself (with its threads and connections) is created only when the
 * gateway starts. Immutable.
 *
 * @param description every setting, in words; two configurations with the same description name the same
 *     source
 * @param factory creates the source, once per start
 */
public record SourceConfig(String description, Supplier<BackendSource> factory) {

  /** Checks the components. */
  public SourceConfig {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(factory, "factory");
  }

  /** Equal when the descriptions are: the factory is a function of the settings the description names. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SourceConfig && ((SourceConfig) o).description.equals(description);
  }

  @Override
  public int hashCode() {
    return description.hashCode();
  }
}
