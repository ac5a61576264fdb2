package io.lb4j.api.routing;

import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where a listener sends its traffic, as one value: its {@link ServerGroup}s, the {@link ForwardingRules} that
 * pick a group per request (with the default group), and an optional standby group for every group that names
 * none of its own. A running listener takes a new value as a whole ({@code ListenerServer#reconfigure}): each
 * request sees the old value or the new one, never a mix.
 *
 * <p>A Layer-4 listener (TCP, UDP) has no request to match: it sends everything to its default group, so its
 * routing has no rules ({@link #of(ServerGroup)}).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Routing {

  private final List<ServerGroup> groups;
  private final Map<String, ServerGroup> byName;
  private final ForwardingRules rules;
  private final String standby;

  private Routing(List<ServerGroup> groups, ForwardingRules rules, String standby) {
    this.groups = Collections.unmodifiableList(new ArrayList<>(groups));
    Map<String, ServerGroup> map = new LinkedHashMap<>();
    for (ServerGroup g : groups) {
      map.put(g.name(), g);
    }
    this.byName = Collections.unmodifiableMap(map);
    this.rules = rules;
    this.standby = standby;
  }

  /**
   * One group that takes every request (its default group): a Layer-4 listener's routing, or a Layer-7
   * listener without rules.
   *
   * @param group the group
   * @return the routing
   */
  public static Routing of(ServerGroup group) {
    return builder().group(group).build();
  }

  /**
   * A builder with no group.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this routing's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.groups.addAll(groups);
    b.rules = rules;
    b.standby = standby;
    return b;
  }

  /**
   * Every group, in the order given.
   *
   * @return an unmodifiable list
   */
  public List<ServerGroup> groups() {
    return groups;
  }

  /**
   * The group named {@code name}, or null.
   *
   * @param name a group's name
   * @return the group, or null
   */
  public ServerGroup group(String name) {
    return byName.get(Objects.requireNonNull(name, "name"));
  }

  /**
   * The forwarding rules and the default group.
   *
   * @return the rules
   */
  public ForwardingRules rules() {
    return rules;
  }

  /**
   * The listener's standby group (for each group without one of its own), or null.
   *
   * @return the group's name, or null
   */
  public String standby() {
    return standby;
  }

  /**
   * The standby in force for {@code group}: its own, else the listener's (never the group itself), else null.
   *
   * @param group a group's name
   * @return the standby group's name, or null
   */
  public String standbyOf(String group) {
    ServerGroup g = byName.get(Objects.requireNonNull(group, "group"));
    if (g == null) {
      return null;
    }
    if (g.standby() != null) {
      return g.standby();
    }
    return standby != null && !standby.equals(group) ? standby : null;
  }

  /**
   * The groups that receive traffic, each with a pool: those a rule or the default names, in that order.
   * A group that is only a standby has no pool of its own: its backends join the pools of the groups it
   * stands by for.
   *
   * @return an unmodifiable list of names
   */
  public List<String> routedGroups() {
    return rules.groups();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Routing)) {
      return false;
    }
    Routing r = (Routing) o;
    return groups.equals(r.groups) && rules.equals(r.rules) && Objects.equals(standby, r.standby);
  }

  @Override
  public int hashCode() {
    return Objects.hash(groups, rules, standby);
  }

  @Override
  public String toString() {
    return "Routing{" + groups + " " + rules + (standby == null ? "" : " standby=" + standby) + "}";
  }

  /**
   * Builds a {@link Routing}; {@link #build()} reports every problem at once. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final List<ServerGroup> groups = new ArrayList<>();
    private ForwardingRules rules;
    private String standby;

    private Builder() {}

    /**
     * Adds a group.
     *
     * @param group the group
     * @return this builder
     */
    public Builder group(ServerGroup group) {
      groups.add(Objects.requireNonNull(group, "routing.group"));
      return this;
    }

    /**
     * Adds groups.
     *
     * @param groups the groups
     * @return this builder
     */
    public Builder groups(Collection<ServerGroup> groups) {
      Objects.requireNonNull(groups, "routing.groups");
      groups.forEach(this::group);
      return this;
    }

    /**
     * The forwarding rules and default group (default: the one group that is nobody's standby, as the default
     * group of every request).
     *
     * @param rules the rules
     * @return this builder
     */
    public Builder rules(ForwardingRules rules) {
      this.rules = Objects.requireNonNull(rules, "routing.rules");
      return this;
    }

    /**
     * A standby group for every group that names none of its own (default: none).
     *
     * @param group the standby group's name
     * @return this builder
     */
    public Builder standby(String group) {
      this.standby = ForwardingRule.checkGroup(group);
      return this;
    }

    /**
     * Builds the routing.
     *
     * @return the routing
     * @throws IllegalStateException naming every problem: no group, a name used twice, several groups and no
     *     rules, a rule or default naming a group that is not defined, a standby that is not defined or has a
     *     standby of its own (standby groups do not chain), a backend id listed both in a group and its standby
     */
    public Routing build() {
      checkState(!groups.isEmpty(), "routing needs at least one server group");
      List<String> problems = new ArrayList<>();
      Map<String, ServerGroup> byName = new LinkedHashMap<>();
      for (ServerGroup g : groups) {
        if (byName.putIfAbsent(g.name(), g) != null) {
          problems.add("group name '" + g.name() + "' is used twice");
        }
      }
      ForwardingRules r = rules;
      List<String> notStandby = new ArrayList<>(byName.keySet());
      for (ServerGroup g : byName.values()) {
        notStandby.remove(g.standby());
      }
      notStandby.remove(standby);
      if (r == null && notStandby.size() == 1) {
        // One group besides standby groups: it takes every request.
        r = ForwardingRules.builder().defaultGroup(notStandby.get(0)).build();
      } else if (r == null) {
        problems.add(byName.size() + " groups need forwarding rules or a default group to tell them apart");
      }
      if (r != null) {
        for (int i = 0; i < r.rules().size(); i++) {
          ForwardingRule rule = r.rules().get(i);
          if (!byName.containsKey(rule.group())) {
            problems.add("rule #" + (i + 1) + " (" + rule + ") names group '" + rule.group()
                + "', which is not defined");
          }
        }
        if (r.defaultGroup() != null && !byName.containsKey(r.defaultGroup())) {
          problems.add("the default group '" + r.defaultGroup() + "' is not defined");
        }
      }
      if (standby != null && !byName.containsKey(standby)) {
        problems.add("the listener's standby group '" + standby + "' is not defined");
      } else if (standby != null && byName.get(standby).standby() != null) {
        problems.add("the listener's standby group '" + standby + "' has a standby of its own ('"
            + byName.get(standby).standby() + "'): standby groups do not chain");
      }
      for (ServerGroup g : byName.values()) {
        String s = g.standby() != null ? g.standby() : standby != null && !standby.equals(g.name()) ? standby : null;
        if (s == null || !byName.containsKey(s)) {
          if (g.standby() != null) {
            problems.add("group '" + g.name() + "' names standby group '" + s + "', which is not defined");
          }
          continue;
        }
        ServerGroup sg = byName.get(s);
        if (g.standby() != null && sg.standby() != null) {
          problems.add("group '" + g.name() + "' has standby '" + s + "', which has a standby of its own ('"
              + sg.standby() + "'): standby groups do not chain");
        }
        Set<String> ids = new HashSet<>();
        for (Backend b : g.backends()) {
          ids.add(b.id());
        }
        for (Backend b : sg.backends()) {
          if (ids.contains(b.id())) {
            problems.add("group '" + g.name() + "' and its standby '" + s + "' both list backend id '" + b.id()
                + "': they share one pool, where ids are unique");
          }
        }
      }
      checkState(problems.isEmpty(), "routing: " + String.join("; ", problems));
      return new Routing(groups, r, standby);
    }
  }
}
