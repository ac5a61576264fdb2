package io.lb4j.examples.gateway.config;

import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleConsumer;

/**
 * Reads a listener's fleet sections into lb4j's policies, through their own builders so that the file accepts
 * exactly what the Java API does:
 *
 * <pre>
 * loadAware: {signal: reports, weightUpdatePeriod: 1s, blackoutPeriod: 10s, weightExpirationPeriod: 3m,
 *             errorUtilizationPenalty: 1.0, minWeightRatio: 0.1, maxWeightRatio: 10}
 * loadAware: {signal: latency, latencyDecay: 10s, failurePenalty: 2}
 * subset: {clientIndex: 3, clientCount: 12, size: 5, salt: web}   # or {clientId: gw-7, size: 5}
 * </pre>
 *
 * A section with a problem yields nothing and leaves its problems recorded. Stateless.
 */
final class FleetSections {

  static final Set<String> LOAD_AWARE_KEYS = GatewayConfigParser.keys("signal", "weightUpdatePeriod",
      "blackoutPeriod", "weightExpirationPeriod", "errorUtilizationPenalty", "minWeightRatio", "maxWeightRatio",
      "latencyDecay", "failurePenalty");
  static final Set<String> SUBSET_KEYS = GatewayConfigParser.keys("clientIndex", "clientCount", "clientId", "size",
      "salt");

  private static final Map<String, LoadAwarePolicy.Signal> SIGNALS = GatewayConfigParser.words(
      "reports", LoadAwarePolicy.Signal.BACKEND_REPORTS, "latency", LoadAwarePolicy.Signal.OBSERVED_LATENCY);

  private FleetSections() {}

  static Optional<LoadAwarePolicy> loadAware(ConfigNode node) {
    LoadAwarePolicy.Builder b = LoadAwarePolicy.builder();
    int before = node.problemsMarker();
    node.choice("signal", SIGNALS, b::signal);
    node.duration("weightUpdatePeriod", b::weightUpdatePeriod);
    node.duration("blackoutPeriod", b::blackoutPeriod);
    node.duration("weightExpirationPeriod", b::weightExpirationPeriod);
    number(node, "errorUtilizationPenalty", b::errorUtilizationPenalty);
    number(node, "minWeightRatio", b::minWeightRatio);
    number(node, "maxWeightRatio", b::maxWeightRatio);
    node.duration("latencyDecay", b::latencyDecay);
    number(node, "failurePenalty", b::failurePenalty);
    if (node.problemsMarker() != before) {
      return Optional.empty();
    }
    LoadAwarePolicy[] built = {null};
    node.apply("", () -> built[0] = b.build());
    return Optional.ofNullable(built[0]);
  }

  static Optional<SubsetPolicy> subset(ConfigNode node) {
    int before = node.problemsMarker();
    boolean byId = node.has("clientId");
    if (byId && (node.has("clientIndex") || node.has("clientCount"))) {
      node.problem("subset takes clientId, or clientIndex and clientCount, not both");
      return Optional.empty();
    }
    boolean complete = node.require("size") & (byId || (node.require("clientIndex") & node.require("clientCount")));
    int[] size = {0};
    int[] index = {0};
    int[] count = {0};
    String[] id = {null};
    node.integer("size", value -> size[0] = value);
    node.integer("clientIndex", value -> index[0] = value);
    node.integer("clientCount", value -> count[0] = value);
    node.string("clientId", value -> id[0] = value);
    if (!complete || node.problemsMarker() != before) {
      return Optional.empty();
    }
    SubsetPolicy[] built = {null};
    node.apply(byId ? "clientId" : "clientIndex", () -> built[0] = byId ? SubsetPolicy.byClientId(id[0], size[0])
        : SubsetPolicy.byIndex(index[0], count[0], size[0]));
    if (built[0] != null && node.has("salt")) {
      node.string("salt", salt -> built[0] = built[0].withSalt(salt));
    }
    return node.problemsMarker() == before ? Optional.ofNullable(built[0]) : Optional.empty();
  }

  /** A decimal number ({@code 0.1}, {@code 10}); a builder's range check becomes a problem at the key. */
  private static void number(ConfigNode node, String key, DoubleConsumer apply) {
    node.text(key).ifPresent(value -> node.apply(key, () -> {
      double parsed;
      try {
        parsed = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("loadAware." + key + " must be a number, was '" + value + "'");
      }
      apply.accept(parsed);
    }));
  }
}
