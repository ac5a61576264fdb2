package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.HttpVersion;
import io.lb4j.api.Listener;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.routing.ForwardingRule;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.ServerGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a listener's server groups and forwarding rules ({@code groups}, {@code rules}, {@code defaultGroup},
 * {@code standby}) into a {@link RoutingConfig}, reporting each problem at the line of the group, rule or key it
 * is about: a duplicate or shadowed rule, a rule or default naming no group, a standby that is missing, is the
 * group itself or has a standby of its own, a backend listed in a group and its standby, two groups inserting
 * the same session cookie, rules on a Layer-4 listener. Stateless.
 */
final class RoutingSections {

  static final Set<String> GROUP_KEYS = GatewayConfigParser.keys("name", "backends", "source", "standby",
      "scheduler", "healthCheck", "outlierDetection", "sessionPersistence", "drainTimeout", "slowStart",
      "backendPort");
  static final Set<String> RULE_KEYS = GatewayConfigParser.keys("host", "path", "group");
  private static final Set<String> SLOW_START_KEYS = GatewayConfigParser.keys("window", "floorPercent");

  private RoutingSections() {}

  /** A group as read, with the nodes its problems point at. */
  private record Read(GroupConfig config, ConfigNode node) {}

  /**
   * The listener's routing, or null when it has no {@code groups} (then {@code rules}, {@code defaultGroup} and
   * {@code standby} are problems) or a problem was found.
   */
  static RoutingConfig read(ConfigNode listener, Listener built, String bind, Path folder) {
    if (!listener.has("groups")) {
      for (String key : List.of("rules", "defaultGroup", "standby")) {
        if (listener.has(key)) {
          listener.problem(key, key + " needs groups: list the listener's server groups under groups");
        }
      }
      return null;
    }
    int before = listener.problemsMarker();
    if (listener.has("backends") || listener.has("source")) {
      listener.problem("groups", "a listener takes groups, or backends or a source, not both (put the backends in"
          + " a group)");
    }
    Protocol protocol = built.frontendProtocol();
    List<Read> groups = groups(listener, built, bind, folder);
    if (groups.isEmpty() && listener.problemsMarker() == before) {
      listener.problem("groups", "groups must list at least one group");
    }
    Map<String, Read> byName = new LinkedHashMap<>();
    groups.forEach(g -> byName.put(g.config().name(), g));
    ForwardingRules.Builder rules = ForwardingRules.builder();
    List<ForwardingRule> ruleList = rules(listener, protocol, built.backendHttpVersion(), byName, rules);
    boolean hasRules = !ruleList.isEmpty();
    String[] defaultGroup = {null};
    listener.string("defaultGroup", value -> {
      if (!byName.containsKey(value)) {
        throw new IllegalArgumentException("defaultGroup '" + value + "' is not a group of the listener ("
            + String.join(", ", byName.keySet()) + ")");
      }
      defaultGroup[0] = value;
      rules.defaultGroup(value);
    });
    String[] standby = {null};
    listener.string("standby", value -> {
      Read s = byName.get(value);
      if (s == null) {
        throw new IllegalArgumentException("standby '" + value + "' is not a group of the listener ("
            + String.join(", ", byName.keySet()) + ")");
      }
      if (s.config().standby() != null) {
        throw new IllegalArgumentException("standby '" + value + "' has a standby of its own ('"
            + s.config().standby() + "'): standby groups do not chain");
      }
      standby[0] = value;
    });
    standbys(byName, standby[0]);
    List<String> routed = routed(listener, byName, ruleList, defaultGroup[0], standby[0]);
    cookies(byName, routed, protocol);
    if (listener.problemsMarker() != before) {
      return null;
    }
    ForwardingRules[] built2 = {null};
    if (hasRules || defaultGroup[0] != null) {
      listener.apply("rules", () -> built2[0] = rules.build());
    }
    RoutingConfig config = new RoutingConfig(groups.stream().map(Read::config).toList(), built2[0], standby[0]);
    // The library's own checks last, with placeholder sources (nothing is started here).
    listener.apply("groups", () -> config.toRouting(RoutingSections::placeholder));
    return listener.problemsMarker() == before ? config : null;
  }

  private static List<Read> groups(ConfigNode listener, Listener built, String bind, Path folder) {
    List<Read> out = new ArrayList<>();
    Map<String, Integer> lines = new HashMap<>();
    for (ConfigNode g : listener.sections("groups", GROUP_KEYS)) {
      if (!g.require("name")) {
        continue;
      }
      int before = g.problemsMarker();
      String[] name = {null};
      g.string("name", value -> name[0] = ServerGroup.builder(value).build().name());
      if (name[0] == null) {
        continue;
      }
      Integer earlier = lines.putIfAbsent(name[0], g.lineOf("name"));
      if (earlier != null) {
        g.problem("name", "group name '" + name[0] + "' is used by an earlier group (line " + earlier + ")");
      }
      List<Backend> backends = GatewayConfigParser.backends(g);
      SourceConfig source = g.section("source", GatewayConfigParser.SOURCE_KEYS)
          .flatMap(section -> SourceConfigs.read(section, folder)).orElse(null);
      if (g.has("source") && g.has("backends")) {
        g.problem("source", "a group takes backends or a source, not both");
      }
      PoolSettings settings = settings(g, built);
      String[] standby = {null};
      g.string("standby", value -> standby[0] = ServerGroup.builder("x").standby(value).build().standby());
      if (name[0].equals(standby[0])) {
        g.problem("standby", "a group cannot be its own standby");
      }
      if (settings == null || g.problemsMarker() != before) {
        continue;
      }
      GatewayConfigParser.checkNoSelfLoop(g, built.toBuilder().poolSettings(settings).build(), bind, backends);
      out.add(new Read(new GroupConfig(name[0], backends, source, settings, standby[0], g.lineOf("name")), g));
    }
    return out;
  }

  /** The listener's settings with the group's own in their place; null after a problem. */
  private static PoolSettings settings(ConfigNode g, Listener built) {
    Protocol protocol = built.frontendProtocol();
    PoolSettings.Builder b = built.poolSettings().toBuilder();
    int before = g.problemsMarker();
    g.choice("scheduler", GatewayConfigParser.SCHEDULERS, b::scheduler);
    g.section("healthCheck", PolicySections.HEALTH_KEYS).flatMap(check -> PolicySections.healthCheck(check, protocol))
        .ifPresent(policy -> g.apply("healthCheck", () -> b.healthCheck(policy)));
    g.section("outlierDetection", PolicySections.OUTLIER_KEYS).flatMap(PolicySections::outlierDetection)
        .ifPresent(policy -> g.apply("outlierDetection", () -> b.outlierDetection(policy)));
    g.section("sessionPersistence", PolicySections.PERSISTENCE_KEYS).ifPresent(section -> {
      if (section.has("keyFile")) {
        section.problem("keyFile", "keyFile is the listener's (its keys sign the cookies of every group)");
      }
      PolicySections.persistence(section).ifPresent(p -> g.apply("sessionPersistence", () -> b.sessionPersistence(p)));
    });
    g.duration("drainTimeout", b::drainTimeout);
    g.section("slowStart", SLOW_START_KEYS).ifPresent(slow -> {
      slow.duration("window", b::slowStartWindow);
      slow.integer("floorPercent", b::slowStartFloorPercent);
    });
    g.integer("backendPort", b::backendPort);
    if (g.problemsMarker() != before) {
      return null;
    }
    PoolSettings[] out = {null};
    g.apply("", () -> out[0] = b.build());
    return out[0];
  }

  /** Reads the rules into {@code rules}; returns those read. */
  private static List<ForwardingRule> rules(ConfigNode listener, Protocol protocol, HttpVersion backendHttpVersion,
      Map<String, Read> groups, ForwardingRules.Builder rules) {
    List<ConfigNode> nodes = listener.sections("rules", RULE_KEYS);
    if (listener.has("rules") && !protocol.isLayer7()) {
      listener.problem("rules", "rules need an http or https listener, but protocol is "
          + protocol.name().toLowerCase(Locale.ROOT) + " (it sends everything to its default group)");
      return List.of();
    }
    if (listener.has("rules") && backendHttpVersion == HttpVersion.HTTP_2) {
      listener.problem("rules", "rules need HTTP/1.1 backends, but backendProtocol is h2c (streams relayed to"
          + " h2c backends go to the default group): drop the rules, or give the routed groups http1 backends");
      return List.of();
    }
    Map<String, int[]> seen = new HashMap<>(); // host and prefix -> {index, line}
    List<ForwardingRule> read = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      ConfigNode r = nodes.get(i);
      if (!r.require("group")) {
        continue;
      }
      String[] values = {null, "/", null};
      r.string("host", value -> values[0] = value);
      r.string("path", value -> values[1] = value);
      r.string("group", value -> values[2] = value);
      if (values[2] == null) {
        continue;
      }
      ForwardingRule rule;
      try {
        rule = ForwardingRule.of(values[0], values[1], values[2]);
      } catch (IllegalArgumentException e) {
        String message = e.getMessage();
        r.problem(message.startsWith("forwardingRule.host") ? "host" : message.startsWith("forwardingRule.pathPrefix")
            ? "path" : "group", message);
        continue;
      }
      if (!groups.containsKey(rule.group())) {
        r.problem("group", "group '" + rule.group() + "' is not a group of the listener ("
            + String.join(", ", groups.keySet()) + ")");
        continue;
      }
      String key = (rule.host() == null ? "" : rule.host()) + " " + rule.pathPrefix();
      int[] earlier = seen.putIfAbsent(key, new int[] {read.size(), r.lineOf("group")});
      if (earlier != null) {
        ForwardingRule first = read.get(earlier[0]);
        r.problem("path", first.group().equals(rule.group())
            ? "rule " + rule + " duplicates the rule on line " + earlier[1]
            : "rule " + rule + " is shadowed by the rule on line " + earlier[1] + " (" + first
                + "): same host and path, that one would always win");
        continue;
      }
      read.add(rule);
      rules.rule(rule);
    }
    return read;
  }

  /** Each group's standby: defined, not chained, sharing no backend id with the group. */
  private static void standbys(Map<String, Read> groups, String listenerStandby) {
    for (Read g : groups.values()) {
      String s = g.config().standby();
      if (s == null) {
        s = listenerStandby != null && !listenerStandby.equals(g.config().name()) ? listenerStandby : null;
        if (s == null) {
          continue;
        }
      } else if (!groups.containsKey(s)) {
        g.node().problem("standby", "standby '" + s + "' is not a group of the listener ("
            + String.join(", ", groups.keySet()) + ")");
        continue;
      } else if (groups.get(s).config().standby() != null) {
        g.node().problem("standby", "standby '" + s + "' has a standby of its own ('" + groups.get(s).config().standby()
            + "'): standby groups do not chain");
        continue;
      }
      Set<String> ids = new HashSet<>();
      g.config().backends().forEach(b -> ids.add(b.id()));
      for (Backend b : groups.get(s).config().backends()) {
        if (ids.contains(b.id())) {
          g.node().problem(g.config().standby() != null ? "standby" : "name", "backend id '" + b.id()
              + "' is in the group and in its standby '" + s + "': they share one pool, where ids are unique");
        }
      }
    }
  }

  /** The groups that get requests; reports a routing that cannot tell which group takes them. */
  private static List<String> routed(ConfigNode listener, Map<String, Read> groups, List<ForwardingRule> rules,
      String defaultGroup, String listenerStandby) {
    List<String> standbys = new ArrayList<>();
    groups.values().forEach(g -> standbys.add(g.config().standby()));
    standbys.add(listenerStandby);
    List<String> notStandby = groups.keySet().stream().filter(n -> !standbys.contains(n)).toList();
    if (rules.isEmpty() && defaultGroup == null) {
      if (notStandby.size() != 1 && !groups.isEmpty()) {
        listener.problem("groups", groups.size() + " groups and neither rules nor a defaultGroup: say which group"
            + " takes the requests");
      }
      return notStandby;
    }
    List<String> routed = new ArrayList<>();
    rules.forEach(r -> {
      if (!routed.contains(r.group())) {
        routed.add(r.group());
      }
    });
    if (defaultGroup != null && !routed.contains(defaultGroup)) {
      routed.add(defaultGroup);
    }
    return routed;
  }

  /** Two routed groups inserting a cookie of the same name; cookie persistence on a Layer-4 listener. */
  private static void cookies(Map<String, Read> groups, List<String> routed, Protocol protocol) {
    Map<String, String> names = new HashMap<>();
    for (String name : routed) {
      Read g = groups.get(name);
      if (g == null) {
        continue;
      }
      SessionPersistence p = g.config().settings().sessionPersistence();
      if (p.mode().isCookie() && !protocol.isLayer7()) {
        g.node().problem("sessionPersistence", "cookie persistence needs an http or https listener, but protocol is "
            + protocol.name().toLowerCase(Locale.ROOT));
      }
      if (p.mode() == SessionPersistence.Mode.INSERT_COOKIE) {
        String other = names.putIfAbsent(p.cookieName(), name);
        if (other != null) {
          g.node().problem("sessionPersistence", "groups '" + other + "' and '" + name + "' both insert cookie "
              + p.cookieName() + ": a client visiting both would lose its session at each switch; set cookieName");
        }
      }
    }
  }

  /** A source that stands for one in checks: never started. */
  private static BackendSource placeholder(SourceConfig config) {
    return new BackendSource() {
      @Override
      public String description() {
        return config.description();
      }

      @Override
      public void start(Subscriber subscriber) {
        throw new IllegalStateException("a placeholder source is never started");
      }

      @Override
      public void refresh() {}

      @Override
      public void close() {}
    };
  }
}
