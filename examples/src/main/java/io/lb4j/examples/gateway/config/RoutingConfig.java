package io.lb4j.examples.gateway.config;

import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A listener's server groups, forwarding rules, default group and standby group as the file gives them
 * ({@code groups:}, {@code rules:}, {@code defaultGroup:}, {@code standby:}), validated as a whole. It becomes
 * lb4j's {@link Routing} when the gateway starts or reloads ({@link #toRouting}), with each group's source
 * created then. Immutable.
 *
 * @param groups the groups, in file order
 * @param rules the rules and the default group (a routing of one group besides standby groups has none and
 *     sends everything to that group)
 * @param standby the listener's standby group, or null
 */
public record RoutingConfig(List<GroupConfig> groups, ForwardingRules rules, String standby) {

  /** Checks and copies the components. */
  public RoutingConfig {
    groups = List.copyOf(groups);
  }

  /**
   * Whether {@code other} configures the same routing: the same groups (names, settings, standby, source, and
   * backends with the same weight, priority and enabled flag), rules, default group and standby.
   */
  public boolean same(RoutingConfig other) {
    if (other == null || groups.size() != other.groups.size() || !Objects.equals(rules, other.rules)
        || !Objects.equals(standby, other.standby)) {
      return false;
    }
    for (int i = 0; i < groups.size(); i++) {
      GroupConfig a = groups.get(i);
      GroupConfig b = other.groups.get(i);
      if (!a.name().equals(b.name()) || !a.settings().equals(b.settings()) || !Objects.equals(a.standby(), b.standby())
          || !Objects.equals(a.source(), b.source()) || !sameBackends(a.backends(), b.backends())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameBackends(List<io.lb4j.api.Backend> a, List<io.lb4j.api.Backend> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      io.lb4j.api.Backend x = a.get(i);
      io.lb4j.api.Backend y = b.get(i);
      if (!x.equals(y) || x.weight() != y.weight() || x.priority() != y.priority() || x.enabled() != y.enabled()
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }

  /** A line for logs and reload messages: the groups, with their rule count. */
  public String describe() {
    return groups.size() + " groups (" + String.join(", ", groups.stream().map(GroupConfig::name).toList()) + "), "
        + (rules == null ? 0 : rules.rules().size()) + " rules"
        + (rules == null || rules.defaultGroup() == null ? "" : ", default " + rules.defaultGroup())
        + (standby == null ? "" : ", standby " + standby);
  }

  /** The group named {@code name}, or null. */
  public GroupConfig group(String name) {
    return groups.stream().filter(g -> g.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * lb4j's routing for this configuration: listed backends as they are, and each source from {@code sources}
   * (the gateway hands back the instance it already runs for an unchanged source, so a reload keeps that
   * group's pool).
   */
  public Routing toRouting(Function<SourceConfig, BackendSource> sources) {
    Objects.requireNonNull(sources, "sources");
    Routing.Builder b = Routing.builder();
    for (GroupConfig g : groups) {
      ServerGroup.Builder group = ServerGroup.builder(g.name()).settings(g.settings());
      if (g.source() != null) {
        group.source(sources.apply(g.source()));
      } else {
        group.backends(g.backends());
      }
      if (g.standby() != null) {
        group.standby(g.standby());
      }
      b.group(group.build());
    }
    if (rules != null) {
      b.rules(rules);
    }
    if (standby != null) {
      b.standby(standby);
    }
    return b.build();
  }
}
