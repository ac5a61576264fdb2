package io.lb4j.api.routing;

import static io.lb4j.api.internal.Checks.checkState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A listener's Layer-7 forwarding rules and its default server group: which server group each request goes
 * to, by {@code Host} and path. A value: the listener compiles it into a matcher, and a new value replaces
 * the old one as a whole.
 *
 * <p><b>Which rule wins.</b> The host decides first, then the path, then the order (as SLB's domain and URL
 * rules, nginx's {@code server_name} and {@code location}, and Envoy's virtual hosts and routes):
 *
 * <ol>
 *   <li>Host: among the rules whose host matches the request's, an exact host beats a wildcard, a longer
 *       wildcard ({@code *.api.example.com}) beats a shorter one ({@code *.example.com}), and any wildcard beats
 *       a rule without host. The host is compared without case, without its port and without one trailing dot.
 *   <li>Path: within the most specific host that has a rule matching the path, the longest path prefix wins
 *       (whole segments). A host whose rules match none of the path's prefixes gives way to the next less
 *       specific host: a rule for {@code www.example.com} and {@code /api} does not hide a
 *       rule for any host and {@code /} from {@code www.example.com/index.html}.
 *   <li>Order: two rules with the same host and prefix cannot both be given ({@link Builder#build()} refuses
 *       them), so no tie is left to the order.
 * </ol>
 *
 * <p>A request no rule matches goes to the {@link #defaultGroup() default group}; without one it gets 404.
 * The path matched is the request's path normalized (RFC 3986 section 6.2.2: escapes of unreserved characters
 * decoded, hex in upper case, dot segments removed, and {@code //} merged), never the raw one, so
 * {@code /static/../admin} and {@code /%61dmin} both match the rule for {@code /admin}. A request whose path
 * cannot be normalized safely (a {@code ..} above the root, a bad escape, an encoded {@code /} or
 * {@code \}, a segment {@code ..;}) and one without a usable {@code Host} get 400, never the default group.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class ForwardingRules {

  /** The most rules a listener holds. */
  public static final int MAX_RULES = 10_000;

  private final List<ForwardingRule> rules;
  private final String defaultGroup;

  private ForwardingRules(List<ForwardingRule> rules, String defaultGroup) {
    this.rules = rules;
    this.defaultGroup = defaultGroup;
  }

  /** A builder with no rule and no default group. */
  public static Builder builder() {
    return new Builder();
  }

  /** The rules, in the order given. */
  public List<ForwardingRule> rules() {
    return rules;
  }

  /** The group of requests no rule matches, or null: they get 404. */
  public String defaultGroup() {
    return defaultGroup;
  }

  /** Every group named, rules first then the default, each once, in order of first appearance. */
  public List<String> groups() {
    List<String> groups = new ArrayList<>();
    for (ForwardingRule r : rules) {
      if (!groups.contains(r.group())) {
        groups.add(r.group());
      }
    }
    if (defaultGroup != null && !groups.contains(defaultGroup)) {
      groups.add(defaultGroup);
    }
    return Collections.unmodifiableList(groups);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ForwardingRules)) {
      return false;
    }
    ForwardingRules r = (ForwardingRules) o;
    return rules.equals(r.rules) && Objects.equals(defaultGroup, r.defaultGroup);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rules, defaultGroup);
  }

  @Override
  public String toString() {
    return "ForwardingRules{" + rules + " default=" + (defaultGroup == null ? "none (404)" : defaultGroup) + "}";
  }

  /**
   * Builds {@link ForwardingRules}: rules in order, and an optional default group. {@link #build()} reports
   * every problem at once, each with its rule and why. Not thread-safe.
   */
  public static final class Builder {
    private final List<ForwardingRule> rules = new ArrayList<>();
    private String defaultGroup;

    private Builder() {}

    /** Adds a rule after those already added. */
    public Builder rule(ForwardingRule rule) {
      rules.add(Objects.requireNonNull(rule, "forwardingRules.rule"));
      return this;
    }

    /** Adds {@link ForwardingRule#of(String, String, String)}. */
    public Builder rule(String host, String pathPrefix, String group) {
      return rule(ForwardingRule.of(host, pathPrefix, group));
    }

    /** The group of requests no rule matches (default: none, they get 404). */
    public Builder defaultGroup(String group) {
      this.defaultGroup = ForwardingRule.checkGroup(group);
      return this;
    }

    /**
     * Builds the rules.
     *
     * @throws IllegalStateException when there is neither a rule nor a default group, more than
     *     {@value ForwardingRules#MAX_RULES} rules, or a rule repeats the host and prefix of an earlier one: the
     *     message names every such rule ({@code rule #3 (*.example.com/api -> b) duplicates rule #1}, or
     *     {@code rule #4 (...) is shadowed by rule #2 (...): same host and path prefix, rule #2 would always
     *     win})
     */
    public ForwardingRules build() {
      checkState(!rules.isEmpty() || defaultGroup != null,
          "forwardingRules needs at least one rule or a default group (every request would get 404)");
      checkState(rules.size() <= MAX_RULES,
          "forwardingRules must hold at most " + MAX_RULES + " rules, was " + rules.size());
      List<String> problems = new ArrayList<>();
      // The first rule of each match key (host and prefix): a later rule with the same key can never win.
      Map<String, Integer> first = new HashMap<>();
      for (int i = 0; i < rules.size(); i++) {
        ForwardingRule r = rules.get(i);
        Integer earlier = first.putIfAbsent((r.host() == null ? "" : r.host()) + ' ' + r.pathPrefix(), i);
        if (earlier == null) {
          continue;
        }
        ForwardingRule e = rules.get(earlier);
        String self = "rule #" + (i + 1) + " (" + r + ")";
        String other = "rule #" + (earlier + 1) + " (" + e + ")";
        problems.add(r.group().equals(e.group()) ? self + " duplicates " + other
            : self + " is shadowed by " + other + ": same host and path prefix, rule #" + (earlier + 1)
                + " would always win");
      }
      checkState(problems.isEmpty(), "forwardingRules: " + String.join("; ", problems));
      return new ForwardingRules(Collections.unmodifiableList(new ArrayList<>(rules)), defaultGroup);
    }
  }
}
