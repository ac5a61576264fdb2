package io.lb4j.zookeeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.details.InstanceSerializer;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;

/**
 * Reads {@code curator-x-discovery}'s JSON registrations without the registering service's payload
 * classes: Curator's own serializer instantiates the payload by its {@code @class}, which a balancer does
 * not have, so registrations are read as a tree and the payload is kept as JSON. Writes (self-registration,
 * no payload) go through Curator's serializer, so other Curator clients read them unchanged.
 * Thread-safe.
 */
final class RegistrationSerializer implements InstanceSerializer<Object> {

  private final ObjectMapper mapper = new ObjectMapper();
  private final JsonInstanceSerializer<Object> writer = new JsonInstanceSerializer<>(Object.class);

  @Override
  public ServiceInstance<Object> deserialize(byte[] bytes) throws Exception {
    JsonNode root = mapper.readTree(bytes);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("registration must be a JSON object");
    }
    JsonNode payload = root.get("payload");
    String type = text(root, "serviceType");
    return new ServiceInstance<>(text(root, "name"), text(root, "id"), text(root, "address"), integer(root, "port"),
        integer(root, "sslPort"), payload == null || payload.isNull() ? null : payload,
        root.path("registrationTimeUTC").asLong(0), type == null ? ServiceType.DYNAMIC : ServiceType.valueOf(type),
        null, root.path("enabled").asBoolean(true));
  }

  @Override
  public byte[] serialize(ServiceInstance<Object> instance) throws Exception {
    return writer.serialize(instance);
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static Integer integer(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || !n.canConvertToInt() ? null : n.asInt();
  }
}
