package io.lb4j.impl.routing;

import io.lb4j.api.routing.ForwardingRule;
import io.lb4j.api.routing.ForwardingRules;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The compiled form of a listener's {@link ForwardingRules}: maps a request's {@code Host} and normalized path
 * to its server group, in the order {@link ForwardingRules} documents (exact host, then longer wildcards, then
 * rules for any host; within a host the longest path prefix, by whole segments, a segment ending at {@code /}
 * or {@code ;}; a host whose rules match none of the path's prefixes gives way to the next less specific one;
 * then the default group, else 404).
 *
 * <p>Hosts are compared in ASCII lower case without their port and one trailing dot; a {@code Host} that is
 * not a valid {@code host[:port]} ({@code a/b}, empty, a bad port) is a 400 ({@link Route#BAD_HOST}), never the
 * default group. Paths are compared as they are, case-sensitive, after {@link PathNormalizer}.
 *
 * <p><b>Hot path.</b> {@link #match} is lock-free and allocation-free: the table is immutable (built once, its
 * arrays never written again, so any thread may read it), lookups hash ranges of the caller's
 * {@link CharSequence}s while scanning them (no substring is made), and results are preallocated
 * {@link Route}s. A rule change builds a new table and swaps it in whole, so a request sees the old rules or
 * the new ones, never a mix. Cost: one pass over the path, one table probe per segment, and one pass over the
 * host per label for wildcards.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class RouteTable {

  /** One host's rules: the group of {@code /} and the other prefixes. */
  private static final class VirtualHost {
    final int root;
    final KeyTable prefixes;

    VirtualHost(int root, KeyTable prefixes) {
      this.root = root;
      this.prefixes = prefixes;
    }

    /** The group of the longest prefix of {@code path} (whole segments), or -1. */
    int longest(CharSequence path) {
      int best = root;
      int h = 0;
      int n = path.length();
      for (int i = 0; i < n; i++) {
        char c = path.charAt(i);
        if (i > 0 && (c == '/' || c == ';')) {
          int g = prefixes.get(path, 0, i, h, false);
          if (g >= 0) {
            best = g;
          }
        }
        h = 31 * h + c;
      }
      if (n > 1 && path.charAt(n - 1) != '/') {
        int g = prefixes.get(path, 0, n, h, false);
        if (g >= 0) {
          best = g;
        }
      }
      return best;
    }
  }

  private final ForwardingRules rules;
  private final Route[] routes;
  private final Route fallback;
  private final KeyTable exactHosts;
  private final KeyTable wildcardSuffixes;
  private final VirtualHost[] virtualHosts;
  /** Rules without a host, or null. */
  private final VirtualHost anyHost;
  private final Map<PathNormalizer.Verdict, Route> badPaths = new EnumMap<>(PathNormalizer.Verdict.class);

  private RouteTable(ForwardingRules rules) {
    this.rules = rules;
    List<String> groups = rules.groups();
    routes = new Route[groups.size()];
    for (int i = 0; i < routes.length; i++) {
      routes[i] = new Route(groups.get(i), 0, groups.get(i));
    }
    fallback = rules.defaultGroup() == null ? Route.NOT_FOUND : routes[groups.indexOf(rules.defaultGroup())];
    Map<String, List<ForwardingRule>> exact = new LinkedHashMap<>();
    Map<String, List<ForwardingRule>> wildcard = new LinkedHashMap<>();
    List<ForwardingRule> any = new ArrayList<>();
    for (ForwardingRule r : rules.rules()) {
      if (r.host() == null) {
        any.add(r);
      } else if (r.isWildcardHost()) {
        wildcard.computeIfAbsent(r.host().substring(2), k -> new ArrayList<>()).add(r);
      } else {
        exact.computeIfAbsent(r.host(), k -> new ArrayList<>()).add(r);
      }
    }
    List<VirtualHost> hosts = new ArrayList<>();
    exactHosts = hostTable(exact, hosts, groups);
    wildcardSuffixes = hostTable(wildcard, hosts, groups);
    virtualHosts = hosts.toArray(new VirtualHost[0]);
    anyHost = any.isEmpty() ? null : virtualHost(any, groups);
    for (PathNormalizer.Verdict v : PathNormalizer.Verdict.values()) {
      if (v != PathNormalizer.Verdict.OK) {
        badPaths.put(v, new Route(null, 400, v.reason()));
      }
    }
  }

  /** Compiles {@code rules} (already validated by their builder). */
  public static RouteTable of(ForwardingRules rules) {
    return new RouteTable(Objects.requireNonNull(rules, "rules"));
  }

  private static KeyTable hostTable(Map<String, List<ForwardingRule>> byHost, List<VirtualHost> hosts,
      List<String> groups) {
    KeyTable.Builder b = new KeyTable.Builder(k -> KeyTable.hash(k, 0, k.length(), true));
    for (Map.Entry<String, List<ForwardingRule>> e : byHost.entrySet()) {
      b.put(e.getKey(), hosts.size());
      hosts.add(virtualHost(e.getValue(), groups));
    }
    return b.build();
  }

  private static VirtualHost virtualHost(List<ForwardingRule> rules, List<String> groups) {
    int root = -1;
    KeyTable.Builder prefixes = new KeyTable.Builder(k -> KeyTable.hash(k, 0, k.length(), false));
    for (ForwardingRule r : rules) {
      int g = groups.indexOf(r.group());
      if (r.pathPrefix().equals("/")) {
        root = root < 0 ? g : root;
      } else {
        prefixes.put(r.pathPrefix(), g);
      }
    }
    return new VirtualHost(root, prefixes.build());
  }

  /** The rules this table was compiled from. */
  public ForwardingRules rules() {
    return rules;
  }

  /**
   * The route of a request with {@code Host} {@code host} (as received, port included; null when the request
   * has none, which for HTTP/1.1 is a 400) and the normalized path {@code path} (from
   * {@link PathNormalizer}). Allocation-free.
   */
  public Route match(CharSequence host, CharSequence path) {
    if (host == null) {
      return Route.BAD_HOST;
    }
    int length = HostNames.nameLength(host);
    if (length < 0) {
      return Route.BAD_HOST;
    }
    int group = -1;
    int exact = exactHosts.get(host, 0, length, KeyTable.hash(host, 0, length, true), true);
    if (exact >= 0) {
      group = virtualHosts[exact].longest(path);
    }
    // Wildcards, the longest suffix first: after each '.' from the left (never the whole name).
    for (int dot = 0; group < 0 && dot < length; dot++) {
      if (host.charAt(dot) != '.') {
        continue;
      }
      int w = wildcardSuffixes.get(host, dot + 1, length, KeyTable.hash(host, dot + 1, length, true), true);
      if (w >= 0) {
        group = virtualHosts[w].longest(path);
      }
    }
    return finish(group, path);
  }

  /**
   * The route of an HTTP/1.0 request without {@code Host} (allowed by HTTP/1.0): only rules for any host and
   * the default group can take it. Allocation-free.
   */
  public Route matchWithoutHost(CharSequence path) {
    return finish(-1, path);
  }

  private Route finish(int group, CharSequence path) {
    if (group < 0 && anyHost != null) {
      group = anyHost.longest(path);
    }
    return group >= 0 ? routes[group] : fallback;
  }

  /**
   * Normalizes {@code target}'s path into {@code scratch} with {@code normalizer} and matches it: a 400 route
   * when the path cannot be normalized. {@code host} as in {@link #match}. Allocation-free once
   * {@code scratch} has grown.
   */
  public Route route(CharSequence host, CharSequence target, PathNormalizer normalizer, StringBuilder scratch) {
    PathNormalizer.Verdict v = normalizer.normalize(target, scratch);
    if (v != PathNormalizer.Verdict.OK) {
      return badPaths.get(v);
    }
    return match(host, scratch);
  }

  @Override
  public String toString() {
    return "RouteTable{" + rules + "}";
  }
}
