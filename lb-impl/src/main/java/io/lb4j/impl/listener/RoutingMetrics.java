package io.lb4j.impl.listener;

import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.routing.ForwardingRule;
import io.lb4j.impl.groups.Standby;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a listener's routing decided since it started, and the state of its server groups: requests per
 * forwarding rule and to the default group, requests refused (404 without a match, 400 for a bad host or
 * path), and per routed group its pool, its active priority tier, whether its standby has the traffic and how
 * many backends can take a request. Counts of a rule kept across a reconfiguration carry on; a new rule starts
 * at 0. A listener without rules shows its default group only.
 *
 * <p>Immutable; {@link ListenerServer#routingMetrics()} takes one (it reads every group's view: a monitoring
 * call, not one for a request path).
 *
 * @since 0.1.0
 */
public final class RoutingMetrics {

  /**
   * One forwarding rule and the requests it took.
   *
   * @param rule the rule
   * @param requests requests routed by it
   */
  public record RuleCount(ForwardingRule rule, long requests) {}

  /**
   * One routed server group.
   *
   * @param name the group's name
   * @param pool its pool's name ({@code listener/group})
   * @param standby its standby group's name, or null
   * @param activePriority the priority tier taking new requests
   * @param standbyActive whether that tier is the standby's (the group's own backends have none eligible)
   * @param eligible backends of the active tier that are healthy, not ejected and take new requests
   * @param backends backends in the pool, the standby's included
   */
  public record GroupState(String name, String pool, String standby, int activePriority, boolean standbyActive,
      int eligible, int backends) {}

  private final List<RuleCount> rules;
  private final String defaultGroup;
  private final long defaultRequests;
  private final long notFound;
  private final long badHost;
  private final long badPath;
  private final List<GroupState> groups;

  private RoutingMetrics(List<RuleCount> rules, String defaultGroup, long defaultRequests, long notFound,
      long badHost, long badPath, List<GroupState> groups) {
    this.rules = Collections.unmodifiableList(rules);
    this.defaultGroup = defaultGroup;
    this.defaultRequests = defaultRequests;
    this.notFound = notFound;
    this.badHost = badHost;
    this.badPath = badPath;
    this.groups = Collections.unmodifiableList(groups);
  }

  static RoutingMetrics of(Routes routes) {
    List<RuleCount> rules = new ArrayList<>();
    List<ForwardingRule> list = routes.routing.rules().rules();
    for (int i = 0; i < list.size(); i++) {
      rules.add(new RuleCount(list.get(i), routes.ruleHits[i].sum()));
    }
    List<GroupState> groups = new ArrayList<>();
    for (GroupPool g : routes.groups) {
      groups.add(state(g, routes.routing.standbyOf(g.name)));
    }
    return new RoutingMetrics(rules, routes.routing.rules().defaultGroup(), routes.defaultHits.sum(),
        routes.notFound.sum(), routes.badHost.sum(), routes.badPath.sum(), groups);
  }

  private static GroupState state(GroupPool g, String standby) {
    LoadBalancer pool = g.pool;
    int active = pool.activePriority();
    List<BackendView> view = pool.view();
    int eligible = 0;
    boolean standbyActive = false;
    for (BackendView v : view) {
      if (v.backend().priority() != active) {
        continue;
      }
      standbyActive |= Standby.isStandby(v.backend());
      if (v.health() == HealthStatus.HEALTHY && !v.ejected() && v.state() == BackendState.ACTIVE
          && v.effectiveWeight() > 0 && v.backend().enabled()) {
        eligible++;
      }
    }
    return new GroupState(g.name, pool.name(), standby, active, standbyActive, eligible, view.size());
  }

  /** Each forwarding rule with the requests it took, in the rules' order. */
  public List<RuleCount> rules() {
    return rules;
  }

  /** The default group, or null when the listener answers 404 to what no rule matches. */
  public String defaultGroup() {
    return defaultGroup;
  }

  /** Requests no rule matched that went to the default group (all requests of a listener without rules). */
  public long defaultRequests() {
    return defaultRequests;
  }

  /** Requests no rule matched, answered 404 (no default group). */
  public long notFound() {
    return notFound;
  }

  /** Requests refused with 400 for a missing or invalid {@code Host}. */
  public long badHost() {
    return badHost;
  }

  /** Requests refused with 400 for a path that cannot be normalized. */
  public long badPath() {
    return badPath;
  }

  /** Requests routed to a group: by a rule or to the default. */
  public long routed() {
    long sum = defaultRequests;
    for (RuleCount r : rules) {
      sum += r.requests();
    }
    return sum;
  }

  /** The routed groups, in the routing's order. */
  public List<GroupState> groups() {
    return groups;
  }

  @Override
  public String toString() {
    return "RoutingMetrics{rules=" + rules + " default=" + defaultGroup + ":" + defaultRequests + " 404=" + notFound
        + " badHost=" + badHost + " badPath=" + badPath + " groups=" + groups + "}";
  }
}
