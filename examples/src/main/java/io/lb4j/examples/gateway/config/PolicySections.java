package io.lb4j.examples.gateway.config;

import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.health.StatusClass;
import io.lb4j.api.persistence.SessionPersistence;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a listener's policy sections ({@code healthCheck}, {@code outlierDetection},
 * {@code sessionPersistence}) into lb4j's policies, through their own builders so that the file accepts
 * exactly what the Java API does. A section with a problem yields nothing and leaves its problems recorded.
 * Stateless.
 */
final class PolicySections {

  static final Set<String> HEALTH_KEYS = GatewayConfigParser.keys("enabled", "type", "method", "path", "port",
      "domain", "normalStatuses", "timeout", "interval", "healthyThreshold", "unhealthyThreshold",
      "jitterPercent", "edgeInterval", "startHealthy", "skipWhenTrafficSucceeds", "panicThresholdPercent",
      "udpRequest", "udpExpectedResponse");
  static final Set<String> OUTLIER_KEYS = GatewayConfigParser.keys("enabled", "consecutiveFailures",
      "failureRatePercent", "slidingWindowSize", "baseEjectionTime", "maxEjectionTime", "maxEjectionPercent",
      "trialCalls", "activeCheckEndsEjection");
  static final Set<String> PERSISTENCE_KEYS = GatewayConfigParser.keys("mode", "timeout", "cookieName",
      "maxEntries", "keyFile");

  private static final Map<String, HealthCheckType> CHECK_TYPES = GatewayConfigParser.words(
      "tcp", HealthCheckType.TCP, "http", HealthCheckType.HTTP, "udp", HealthCheckType.UDP);
  private static final Map<String, HealthCheckMethod> METHODS = GatewayConfigParser.words(
      "head", HealthCheckMethod.HEAD, "get", HealthCheckMethod.GET);
  private static final Map<String, SessionPersistence.Mode> MODES = GatewayConfigParser.words(
      "none", SessionPersistence.Mode.NONE, "source-ip", SessionPersistence.Mode.SOURCE_IP,
      "insert-cookie", SessionPersistence.Mode.INSERT_COOKIE,
      "server-cookie", SessionPersistence.Mode.SERVER_COOKIE);
  private static final Map<String, StatusClass> STATUS_CLASSES = statusClasses();

  private PolicySections() {}

  static Optional<HealthCheckPolicy> healthCheck(ConfigNode node, Protocol protocol) {
    HealthCheckPolicy.Builder b = HealthCheckPolicy.builder();
    boolean[] failed = {false};
    int before = node.problemsMarker();
    b.type(protocol.isLayer7() ? HealthCheckType.HTTP : protocol == Protocol.UDP ? HealthCheckType.UDP
        : HealthCheckType.TCP);
    node.bool("enabled", b::enabled);
    node.choice("type", CHECK_TYPES, b::type);
    node.choice("method", METHODS, b::method);
    node.string("path", b::path);
    node.integer("port", b::port);
    node.string("domain", b::domain);
    if (node.has("normalStatuses")) {
      EnumSet<StatusClass> classes = EnumSet.noneOf(StatusClass.class);
      for (String label : node.texts("normalStatuses")) {
        StatusClass c = STATUS_CLASSES.get(label.trim().toLowerCase(Locale.ROOT));
        if (c == null) {
          node.apply("normalStatuses", () -> {
            throw new IllegalArgumentException(
                "healthCheck.normalStatuses must list 2xx, 3xx, 4xx or 5xx, was '" + label + "'");
          });
          failed[0] = true;
        } else {
          classes.add(c);
        }
      }
      if (!failed[0]) {
        node.apply("normalStatuses", () -> b.normalStatuses(classes));
      }
    }
    node.duration("timeout", b::responseTimeout);
    node.duration("interval", b::interval);
    node.integer("healthyThreshold", b::healthyThreshold);
    node.integer("unhealthyThreshold", b::unhealthyThreshold);
    node.integer("jitterPercent", b::jitterPercent);
    node.duration("edgeInterval", b::edgeInterval);
    node.bool("startHealthy", b::startHealthy);
    node.bool("skipWhenTrafficSucceeds", b::skipWhenTrafficSucceeds);
    node.integer("panicThresholdPercent", b::panicThresholdPercent);
    node.string("udpRequest", b::udpRequest);
    node.string("udpExpectedResponse", b::udpExpectedResponse);
    return build(node, before, b::build);
  }

  static Optional<OutlierDetectionPolicy> outlierDetection(ConfigNode node) {
    OutlierDetectionPolicy.Builder b = OutlierDetectionPolicy.builder();
    int before = node.problemsMarker();
    node.bool("enabled", b::enabled);
    node.integer("consecutiveFailures", b::consecutiveFailures);
    node.integer("failureRatePercent", b::failureRatePercent);
    node.integer("slidingWindowSize", b::slidingWindowSize);
    node.duration("baseEjectionTime", b::baseEjectionTime);
    node.duration("maxEjectionTime", b::maxEjectionTime);
    node.integer("maxEjectionPercent", b::maxEjectionPercent);
    node.integer("trialCalls", b::trialCalls);
    node.bool("activeCheckEndsEjection", b::activeCheckEndsEjection);
    return build(node, before, b::build);
  }

  static Optional<SessionPersistence> persistence(ConfigNode node) {
    if (!node.require("mode")) {
      return Optional.empty();
    }
    SessionPersistence.Mode[] mode = {null};
    node.choice("mode", MODES, value -> mode[0] = value);
    if (mode[0] == null) {
      return Optional.empty();
    }
    if (mode[0] == SessionPersistence.Mode.NONE) {
      return Optional.of(SessionPersistence.none());
    }
    SessionPersistence.Builder b = SessionPersistence.builder(mode[0]);
    int before = node.problemsMarker();
    node.duration("timeout", b::timeout);
    node.string("cookieName", b::cookieName);
    node.integer("maxEntries", b::maxEntries);
    return build(node, before, b::build);
  }

  private static <T> Optional<T> build(ConfigNode node, int before, Supplier<T> build) {
    if (node.problemsMarker() != before) {
      return Optional.empty();
    }
    Object[] out = {null};
    node.apply("", () -> out[0] = build.get());
    @SuppressWarnings("unchecked")
    T result = (T) out[0];
    return Optional.ofNullable(result);
  }

  private static Map<String, StatusClass> statusClasses() {
    Map<String, StatusClass> map = new LinkedHashMap<>();
    for (StatusClass c : StatusClass.values()) {
      map.put(c.label(), c);
    }
    return map;
  }
}
