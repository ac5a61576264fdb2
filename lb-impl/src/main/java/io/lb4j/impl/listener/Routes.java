package io.lb4j.impl.listener;

import io.lb4j.api.routing.ForwardingRule;
import io.lb4j.api.routing.Routing;
import io.lb4j.impl.routing.PathNormalizer;
import io.lb4j.impl.routing.Route;
import io.lb4j.impl.routing.RouteTable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One generation of a listener's routing, as one immutable value published with one volatile write and read
 * once per request: the compiled rules ({@link RouteTable}), each routed group's {@link GroupPool} by the
 * route's group index, the default group, and the counters of what the rules decided. A request therefore
 * sees one generation's rules together with that generation's groups, never a mix.
 *
 * <p>Immutable (the counters and each group's {@code hidden} list aside); thread-safe.
 */
final class Routes {

  /** The routing value this generation was built from. */
  final Routing routing;
  /** The compiled rules; null when there are none and every request goes to {@link #fallback}. */
  final RouteTable table;
  /** The routed groups, by {@link Route#groupIndex()} ({@code routing.routedGroups()} order). */
  final GroupPool[] groups;
  /** The default group, or null (404 when no rule matches). */
  final GroupPool fallback;
  final Map<String, GroupPool> byName;
  final PathNormalizer normalizer = PathNormalizer.strict();
  /** Requests each rule took, by rule index. */
  final LongAdder[] ruleHits;
  final LongAdder defaultHits;
  final LongAdder notFound;
  final LongAdder badHost;
  final LongAdder badPath;

  /**
   * @param previous the generation this one replaces (its counters of rules kept unchanged carry over), or null
   */
  Routes(Routing routing, Map<String, GroupPool> pools, Routes previous) {
    this.routing = routing;
    List<String> routed = routing.routedGroups();
    this.groups = new GroupPool[routed.size()];
    Map<String, GroupPool> names = new LinkedHashMap<>();
    for (int i = 0; i < groups.length; i++) {
      groups[i] = pools.get(routed.get(i));
      names.put(routed.get(i), groups[i]);
    }
    this.byName = Collections.unmodifiableMap(names);
    List<ForwardingRule> rules = routing.rules().rules();
    this.table = rules.isEmpty() ? null : RouteTable.of(routing.rules());
    String d = routing.rules().defaultGroup();
    this.fallback = d == null ? null : names.get(d);
    this.ruleHits = new LongAdder[rules.size()];
    for (int i = 0; i < ruleHits.length; i++) {
      int before = previous == null ? -1 : previous.routing.rules().rules().indexOf(rules.get(i));
      ruleHits[i] = before >= 0 ? previous.ruleHits[before] : new LongAdder();
    }
    this.defaultHits = previous != null ? previous.defaultHits : new LongAdder();
    this.notFound = previous != null ? previous.notFound : new LongAdder();
    this.badHost = previous != null ? previous.badHost : new LongAdder();
    this.badPath = previous != null ? previous.badPath : new LongAdder();
  }

  /** The group of a route that matched. */
  GroupPool group(Route route) {
    return groups[route.groupIndex()];
  }

  /** Counts what a route decided. */
  void count(Route route) {
    if (route.matched()) {
      (route.ruleIndex() >= 0 ? ruleHits[route.ruleIndex()] : defaultHits).increment();
    } else if (route.status() == 404) {
      notFound.increment();
    } else if (route == Route.BAD_HOST) {
      badHost.increment();
    } else {
      badPath.increment();
    }
  }

  /** The counters as a value, with the groups' state. */
  RoutingMetrics metrics() {
    return RoutingMetrics.of(this);
  }
}
