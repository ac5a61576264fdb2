package io.lb4j.zookeeper;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.curator.x.discovery.ServiceInstance;

/** Turns Curator service instances into backends. Stateless and thread-safe. */
final class InstanceMapper {

  private InstanceMapper() {}

  /**
   * One backend per instance, in id order: id the instance id, host its address, port its port (its SSL
   * port when it has no plain one), weight the payload's {@code weight} field (0-100; 100 without one), disabled when the registration says {@code enabled: false}. An instance that cannot be a
   * backend (no address, no port, a port or weight out of range) is left out and reported to {@code skipped}.
   */
  static List<Backend> toBackends(List<ServiceInstance<Object>> instances, Consumer<String> skipped) {
    List<ServiceInstance<Object>> sorted = new ArrayList<>(instances);
    sorted.sort(Comparator.comparing(ServiceInstance::getId, Comparator.nullsFirst(Comparator.naturalOrder())));
    List<Backend> backends = new ArrayList<>();
    for (ServiceInstance<Object> i : sorted) {
      Integer port = i.getPort() != null ? i.getPort() : i.getSslPort();
      if (i.getId() == null || i.getAddress() == null || port == null) {
        skipped.accept("instance " + i.getId() + " has no id, address or port");
        continue;
      }
      try {
        Backend.Builder b = Backend.builder(i.getId(), i.getAddress(), port);
        weight(i.getPayload(), b);
        b.enabled(i.isEnabled()).metadata("zookeeper.service", String.valueOf(i.getName()));
        if (i.getSslPort() != null) {
          b.metadata("zookeeper.sslPort", String.valueOf(i.getSslPort()));
        }
        backends.add(b.build());
      } catch (IllegalArgumentException e) {
        skipped.accept("instance " + i.getId() + ": " + e.getMessage());
      }
    }
    return backends;
  }

  private static void weight(Object payload, Backend.Builder b) {
    if (payload instanceof JsonNode node && node.has("weight")) {
      JsonNode w = node.get("weight");
      if (!w.isIntegralNumber() || !w.canConvertToInt()) {
        throw new IllegalArgumentException("payload.weight must be a whole number, was " + w);
      }
      b.weight(w.asInt());
    }
  }
}
