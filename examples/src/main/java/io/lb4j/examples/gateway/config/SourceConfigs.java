package io.lb4j.examples.gateway.config;

import io.lb4j.dns.DnsBackendSource;
import io.lb4j.impl.discovery.BackendSources;
import io.lb4j.zookeeper.ZooKeeperBackendSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads a listener's {@code source} section into a {@link SourceConfig}. Stateless. */
final class SourceConfigs {

  private static final Map<String, String> TYPES = types();
  /** The keys each type takes; a key of another type is reported, not ignored. */
  private static final Map<String, Set<String>> KEYS_BY_TYPE = Map.of(
      "dns", GatewayConfigParser.keys("type", "name", "port", "server", "minTtl", "maxTtl"),
      "dns-srv", GatewayConfigParser.keys("type", "name", "server", "minTtl", "maxTtl"),
      "zookeeper", GatewayConfigParser.keys("type", "connect", "service", "basePath"),
      "file", GatewayConfigParser.keys("type", "path"));

  private SourceConfigs() {}

  static Optional<SourceConfig> read(ConfigNode node, Path folder) {
    if (!node.require("type")) {
      return Optional.empty();
    }
    String[] type = {null};
    node.choice("type", TYPES, value -> type[0] = value);
    if (type[0] == null) {
      return Optional.empty();
    }
    int before = node.problemsMarker();
    node.onlyKeys(KEYS_BY_TYPE.get(type[0]), "a " + type[0] + " source");
    Optional<SourceConfig> source;
    switch (type[0]) {
      case "dns":
      case "dns-srv":
        source = dns(node, type[0].equals("dns-srv"));
        break;
      case "zookeeper":
        source = zookeeper(node);
        break;
      default:
        source = file(node, folder);
    }
    return node.problemsMarker() == before ? source : Optional.empty();
  }

  private static Optional<SourceConfig> dns(ConfigNode node, boolean srv) {
    boolean complete = node.require("name") & (srv || node.require("port"));
    String[] name = {null};
    int[] port = {0};
    InetSocketAddress[] server = {null};
    Duration[] ttl = {null, null};
    node.string("name", value -> name[0] = value);
    node.integer("port", value -> port[0] = value);
    node.string("server", value -> server[0] = hostPort("source.server", value));
    node.duration("minTtl", value -> ttl[0] = value);
    node.duration("maxTtl", value -> ttl[1] = value);
    if (!complete || name[0] == null) {
      return Optional.empty();
    }
    // Build once now so that a bad name, port or TTL is reported with the file's other problems.
    DnsBackendSource.Builder[] probe = {null};
    node.apply("name", () -> probe[0] = configure(srv, name[0], port[0], server[0], ttl));
    if (probe[0] == null) {
      return Optional.empty();
    }
    String description = (srv ? "dns-srv " + name[0] : "dns " + name[0] + " port " + port[0])
        + (server[0] == null ? "" : " server " + server[0].getHostString() + ":" + server[0].getPort())
        + (ttl[0] == null ? "" : " minTtl " + ttl[0]) + (ttl[1] == null ? "" : " maxTtl " + ttl[1]);
    return Optional.of(new SourceConfig(description,
        () -> configure(srv, name[0], port[0], server[0], ttl).build()));
  }

  private static DnsBackendSource.Builder configure(boolean srv, String name, int port, InetSocketAddress server,
      Duration[] ttl) {
    DnsBackendSource.Builder b = srv ? DnsBackendSource.srv(name) : DnsBackendSource.addresses(name, port);
    if (server != null) {
      b.server(server);
    }
    if (ttl[0] != null) {
      b.minTtl(ttl[0]);
    }
    if (ttl[1] != null) {
      b.maxTtl(ttl[1]);
    }
    b.build().close(); // validates the combination (minTtl <= maxTtl) without resolving anything
    return b;
  }

  private static Optional<SourceConfig> zookeeper(ConfigNode node) {
    boolean complete = node.require("connect") & node.require("service");
    String[] values = {null, null, null};
    node.string("connect", value -> values[0] = value);
    node.string("service", value -> values[1] = value);
    node.string("basePath", value -> values[2] = value);
    if (!complete || values[0] == null || values[1] == null) {
      return Optional.empty();
    }
    ZooKeeperBackendSource.Builder[] probe = {null};
    node.apply("service", () -> probe[0] = zookeeperBuilder(values));
    if (probe[0] == null) {
      return Optional.empty();
    }
    String description = "zookeeper " + values[0] + " service " + values[1]
        + (values[2] == null ? "" : " basePath " + values[2]);
    return Optional.of(new SourceConfig(description, () -> zookeeperBuilder(values).build()));
  }

  private static ZooKeeperBackendSource.Builder zookeeperBuilder(String[] values) {
    ZooKeeperBackendSource.Builder b = ZooKeeperBackendSource.builder(values[0], values[1]);
    if (values[2] != null) {
      b.basePath(values[2]);
    }
    return b;
  }

  private static Optional<SourceConfig> file(ConfigNode node, Path folder) {
    if (!node.require("path")) {
      return Optional.empty();
    }
    Path[] path = {null};
    node.string("path", value -> path[0] = folder == null ? Path.of(value) : folder.resolve(value));
    return path[0] == null ? Optional.empty()
        : Optional.of(new SourceConfig("file " + path[0], () -> BackendSources.file(path[0])));
  }

  private static InetSocketAddress hostPort(String field, String value) {
    int colon = value.lastIndexOf(':');
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (colon > 0 && port >= 1 && port <= 65535) {
        return new InetSocketAddress(value.substring(0, colon), port);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(field + " must be host:port with a port of 1-65535, was '" + value + "'");
  }

  private static Map<String, String> types() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String t : new String[] {"dns", "dns-srv", "zookeeper", "file"}) {
      m.put(t, t);
    }
    return m;
  }
}
