package io.lb4j.examples.gateway.config;

import io.lb4j.api.Backend;
import io.lb4j.api.HttpVersion;
import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.listener.ConnectionBudget;
import io.lb4j.impl.listener.Http2Limits;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.UdpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a gateway configuration from YAML (the format of Envoy's, Traefik's and Kubernetes' files) into a
 * validated {@link GatewayConfig}. Every problem in the file is reported at once, each with its line, key,
 * value and what is allowed; nothing is returned unless the whole file is valid. The value rules are lb4j's
 * own builders' (so the file and the Java API accept exactly the same values); the parser adds the rules
 * between values: unique listener names, unique bind addresses and ports, unique backend ids, and no
 * backend that is the listener itself.
 *
 * <p>The format, with every key (see {@code examples/gateway.yaml} for a file that runs as is):
 *
 * <pre>
 * maxConnections: 20000            # all listeners together (default: from the heap, maxHeap / 32 KiB)
 * admin: {port: 9901, bind: 127.0.0.1}   # optional: the admin endpoint; bind defaults to 127.0.0.1
 * listeners:
 *   - name: web                    # required; 1-80 characters
 *     protocol: http               # required; tcp, udp, http or https
 *     bind: 127.0.0.1              # default 0.0.0.0
 *     port: 8080                   # required; 1-65535
 *     backendPort: 9000            # default: each backend's own port
 *     scheduler: wrr               # wrr, rr, wlc, p2c, sch, tch
 *     requestTimeout: 60s          # Layer 7: 1s-180s; durations are 500ms, 2s, 5m or 1h
 *     writeTimeout: 60s            # Layer 7: 1s-900s, a client leaving its response unread is closed
 *     lingeringTime: 30s           # Layer 7: 1s-900s, the longest lingering close after a refusal
 *     underscoresInHeaders: false  # Layer 7: forward request fields named with '_' (default: dropped)
 *     allowH2cUpgrade: false       # Layer 7: forward Upgrade: h2c and tunnel (default: stripped)
 *     http2: true                  # Layer 7: serve HTTP/2 (h2 by ALPN over TLS, h2c with prior knowledge)
 *     backendProtocol: http1       # Layer 7: http1 (default) or h2c (HTTP/2 to backends, for gRPC)
 *     http2Limits: {maxConcurrentStreams: 100, initialWindowSize: 65535, connectionWindowSize: 1048576,
 *                   maxHeaderListSize: 32768, streamIdleTimeout: 120s}   # Layer 7: per HTTP/2 connection
 *     idleTimeout: 900s            # Layer 4: 10s-900s
 *     maxRequestHeaderSize: 32768  # bytes
 *     acceptBacklog: 1024
 *     drainTimeout: 10s
 *     slowStart: {window: 30s, floorPercent: 10}
 *     tls: {certificate: chain.pem, privateKey: key.pem}   # https only; paths relative to this file
 *     maxConnections: 10000        # this listener's cap (default: the process's); the rest wait in the backlog
 *     backendPool: {maxIdlePerBackend: 10000, idleTimeout: 30s}   # http(s): idle backend connections kept
 *     healthCheck: {type: http, method: head, path: /health, port: 9001, domain: example.com,
 *                   normalStatuses: [2xx, 3xx], timeout: 5s, interval: 2s, healthyThreshold: 3,
 *                   unhealthyThreshold: 3, jitterPercent: 10, startHealthy: false, enabled: true}
 *     outlierDetection: {consecutiveFailures: 5, failureRatePercent: 50, baseEjectionTime: 30s,
 *                        maxEjectionTime: 300s, maxEjectionPercent: 10}
 *     sessionPersistence: {mode: insert-cookie, timeout: 1000s, cookieName: LB4J_SESSION,
 *                          keyFile: cookie-keys}   # Base64 keys a line, newest first (see CookieKeys)
 *     viaId: edge-1.web            # default: the name and a random id of the gateway instance
 *     loadAware: {signal: reports, weightUpdatePeriod: 1s, blackoutPeriod: 10s, weightExpirationPeriod: 3m,
 *                 errorUtilizationPenalty: 1.0, minWeightRatio: 0.1, maxWeightRatio: 10}
 *     #   weights follow endpoint-load-metrics; signal: latency (with latencyDecay: 10s, failurePenalty: 2)
 *     #   follows the latency the gateway observes instead. Needs scheduler wrr (the default), wlc or p2c.
 *     subset: {clientIndex: 3, clientCount: 12, size: 5, salt: web}   # or {clientId: gw-7, size: 5}
 *     backends:
 *       - {id: app-1, host: 127.0.0.1, port: 9001, weight: 3, enabled: true}
 *     # or, instead of backends, where they are registered:
 *     source: {type: dns, name: app.internal, port: 9001}             # A/AAAA records
 *     source: {type: dns-srv, name: _http._tcp.app.internal}           # SRV records with weights
 *     #   optional for both: server: 127.0.0.1:53, minTtl: 1s, maxTtl: 5m
 *     source: {type: zookeeper, connect: zk1:2181, service: app, basePath: /services}
 *     source: {type: file, path: backends.txt}                         # "id host:port [weight]" lines
 *     peakBandwidth: {upstream: 50, downstream: 100, total: 120}       # Mbit/s, each optional, 1-10000
 *     # or, instead of backends or a source, server groups (each its own pool, "web/app"):
 *     groups:
 *       - name: app                # required; 1-80 of A-Z a-z 0-9 '-' '_' '.'
 *         standby: sorry           # a group of this listener that takes app's traffic while app has none up
 *         backends: [...]          # or source: {...}
 *         # the listener's scheduler, healthCheck, outlierDetection, sessionPersistence (no keyFile),
 *         # drainTimeout, slowStart and backendPort, unless the group sets its own (a section replaces the
 *         # listener's whole)
 *     rules:                       # http(s) only; matched on Host and the normalized path
 *       - {host: "*.example.com", path: /api, group: app}   # host: exact, *. wildcard, or none (any host)
 *     defaultGroup: app            # what no rule matches (default: 404); one group besides standbys needs none
 *     standby: sorry               # a standby for every group without its own
 *     udp: {flowIdleTimeout: 60s, maxDatagramSize: 65507, maxFlows: 10000}   # udp listeners only
 * </pre>
 *
 * <p>The health check's type defaults to HTTP on HTTP and HTTPS listeners, to TCP on TCP listeners and on
 * listeners whose backends speak h2c (a gRPC server need not answer an HTTP/1.1 probe), and to UDP on UDP
 * listeners (with {@code udpRequest} and optionally {@code udpExpectedResponse}; a UDP listener's checks are off
 * unless its section says otherwise). Groups, rules and standby groups are checked as a whole
 * ({@link RoutingSections}), each problem at the line of the group, rule or key it is about.
 * {@code bind} takes IP literals only (never a name lookup); two listeners whose binds collide on one port
 * ({@code 0.0.0.0} beside {@code 127.0.0.1}) are refused. The file is UTF-8 of at most 4 MiB, without YAML
 * tags, nested at most 32 deep ({@link YamlDocument}).
 * Thread-safe: holds no state between calls.
 */
public final class GatewayConfigParser {

  private static final Set<String> TOP_KEYS = keys("listeners", "maxConnections", "admin");
  private static final Set<String> ADMIN_KEYS = keys("port", "bind");
  private static final Set<String> LISTENER_KEYS = keys("name", "protocol", "bind", "port", "backendPort",
      "scheduler", "requestTimeout", "writeTimeout", "lingeringTime", "underscoresInHeaders", "allowH2cUpgrade",
      "http2", "backendProtocol", "http2Limits", "idleTimeout", "maxRequestHeaderSize", "acceptBacklog",
      "drainTimeout",
      "slowStart", "tls", "healthCheck", "outlierDetection", "sessionPersistence", "backends", "source",
      "backendPool", "maxConnections", "viaId", "peakBandwidth", "udp", "groups", "rules", "defaultGroup",
      "standby", "loadAware", "subset");
  private static final Set<String> BACKEND_POOL_KEYS = keys("maxIdlePerBackend", "idleTimeout");
  private static final Set<String> HTTP2_LIMITS_KEYS = keys("maxConcurrentStreams", "initialWindowSize",
      "connectionWindowSize", "maxHeaderListSize", "streamIdleTimeout");
  private static final Map<String, HttpVersion> BACKEND_PROTOCOLS = words(
      "http1", HttpVersion.HTTP_1_1, "h2c", HttpVersion.HTTP_2);
  static final Set<String> SOURCE_KEYS = keys("type", "name", "port", "server", "minTtl", "maxTtl",
      "connect", "service", "basePath", "path");
  private static final Set<String> SLOW_START_KEYS = keys("window", "floorPercent");
  private static final Set<String> TLS_KEYS = keys("certificate", "privateKey");
  private static final Set<String> BACKEND_KEYS = keys("id", "host", "port", "weight", "enabled");

  private static final Map<String, Protocol> PROTOCOLS = words(
      "tcp", Protocol.TCP, "udp", Protocol.UDP, "http", Protocol.HTTP, "https", Protocol.HTTPS);
  static final Map<String, SchedulingAlgorithm> SCHEDULERS = schedulers();

  /**
   * Reads and validates a file; relative paths (TLS, key and backend files) are resolved against the file's
   * folder. A file larger than {@value YamlDocument#MAX_BYTES} bytes is refused before it is read whole.
   *
   * @throws IOException when the file cannot be read (missing, a folder, not permitted)
   * @throws ConfigException with every problem found, when there is any
   */
  public GatewayConfig parse(Path file) throws IOException, ConfigException {
    return parse(file.toString(), read(file), file.toAbsolutePath().getParent());
  }

  /**
   * A configuration file's bytes, at most {@value YamlDocument#MAX_BYTES} and one more (so that a larger file
   * is refused with its size, without reading it whole).
   *
   * @throws IOException when the file cannot be read (missing, a folder, not permitted)
   */
  public static byte[] read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(YamlDocument.MAX_BYTES + 1);
    }
  }

  /**
   * Reads and validates YAML text.
   *
   * @param fileName the name used in problem reports
   * @param text the YAML text
   * @param folder the folder that relative paths are resolved against
   * @throws ConfigException with every problem found, when there is any
   */
  public GatewayConfig parse(String fileName, String text, Path folder) throws ConfigException {
    return parse(fileName, text.getBytes(StandardCharsets.UTF_8), folder);
  }

  /**
   * Reads and validates a file's bytes: UTF-8 YAML of at most {@value YamlDocument#MAX_BYTES} bytes.
   *
   * @param fileName the name used in problem reports
   * @param content the file's bytes
   * @param folder the folder that relative paths are resolved against
   * @throws ConfigException with every problem found, when there is any
   */
  public GatewayConfig parse(String fileName, byte[] content, Path folder) throws ConfigException {
    Problems problems = new Problems(fileName);
    Optional<Node> root = YamlDocument.read(content, problems);
    problems.throwIfAny();
    if (root.isEmpty()) {
      problems.add(0, "", "the file is empty (expected: a mapping with 'listeners')");
      problems.throwIfAny();
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    int[] maxConnections = {0};
    GatewayConfig.AdminConfig[] admin = {null};
    ConfigNode.mapping(problems, "", root.get(), TOP_KEYS).ifPresent(top -> {
      top.integer("maxConnections", value -> maxConnections[0] = ConnectionBudget.of(value).maxConnections());
      if (top.require("listeners")) {
        List<ConfigNode> sections = top.sections("listeners", LISTENER_KEYS);
        if (sections.isEmpty()) {
          top.problem("listeners must list at least one listener");
        }
        Map<String, ConfigNode> seen = new LinkedHashMap<>();
        for (ConfigNode section : sections) {
          listener(section, folder).ifPresent(config -> {
            checkUnique(section, config, listeners, seen);
            listeners.add(config);
            seen.put(config.listener().name(), section);
          });
        }
      }
      top.section("admin", ADMIN_KEYS).ifPresent(section -> admin[0] = admin(section, listeners));
    });
    problems.throwIfAny();
    return new GatewayConfig(listeners, maxConnections[0], admin[0]);
  }

  private static Optional<ListenerConfig> listener(ConfigNode node, Path folder) {
    boolean complete = node.require("name") & node.require("protocol") & node.require("port");
    String[] name = {"listener"};
    Protocol[] protocol = {Protocol.HTTP};
    int[] port = {0};
    int before = node.problemsMarker();
    node.string("name", value -> name[0] = value);
    node.choice("protocol", PROTOCOLS, value -> protocol[0] = value);
    // Port 0 (any free port) suits the Java API and tests, not a file that clients must find.
    node.integer("port", value -> port[0] = checkRange("listener.frontendPort", value, 1, 65535));
    complete &= node.problemsMarker() == before;
    // Build with placeholders when name, protocol or port are wrong, so the other keys are still checked.
    Listener.Builder builder;
    try {
      builder = Listener.builder(name[0], protocol[0], complete ? port[0] : 1);
    } catch (IllegalArgumentException e) {
      node.apply("name", () -> {
        throw e;
      });
      builder = Listener.builder("listener", protocol[0], 1);
      complete = false;
    }
    Listener.Builder b = builder;
    node.integer("backendPort", b::backendPort);
    node.choice("scheduler", SCHEDULERS, b::scheduler);
    node.duration("requestTimeout", b::requestTimeout);
    node.duration("writeTimeout", b::writeTimeout);
    node.duration("lingeringTime", b::lingeringTime);
    node.bool("underscoresInHeaders", b::underscoresInHeaders);
    node.bool("allowH2cUpgrade", b::allowH2cUpgrade);
    node.bool("http2", b::http2);
    node.choice("backendProtocol", BACKEND_PROTOCOLS, b::backendHttpVersion);
    node.duration("idleTimeout", b::idleTimeout);
    node.integer("maxRequestHeaderSize", b::maxRequestHeaderSize);
    node.integer("acceptBacklog", b::acceptBacklog);
    node.duration("drainTimeout", b::drainTimeout);
    node.section("slowStart", SLOW_START_KEYS).ifPresent(slow -> {
      slow.duration("window", b::slowStartWindow);
      slow.integer("floorPercent", b::slowStartFloorPercent);
    });
    // An h2c backend (a gRPC server) need not answer an HTTP/1.1 probe: its checks default to TCP.
    boolean h2cBackends = node.text("backendProtocol").map(v -> v.trim().equalsIgnoreCase("h2c")).orElse(false);
    Protocol checkDefault = h2cBackends ? Protocol.TCP : protocol[0];
    node.section("healthCheck", PolicySections.HEALTH_KEYS)
        .flatMap(check -> PolicySections.healthCheck(check, checkDefault))
        .ifPresentOrElse(policy -> node.apply("healthCheck", () -> b.healthCheck(policy)),
            () -> defaultHealthCheck(node, checkDefault).ifPresent(b::healthCheck));
    node.section("outlierDetection", PolicySections.OUTLIER_KEYS).flatMap(PolicySections::outlierDetection)
        .ifPresent(policy -> node.apply("outlierDetection", () -> b.outlierDetection(policy)));
    TrafficSections.peakBandwidth(node).ifPresent(caps -> node.apply("peakBandwidth", () -> b.peakBandwidth(caps)));
    UdpSettings udp = TrafficSections.udp(node, protocol[0]);
    CookieKeys[] keys = {null};
    node.section("sessionPersistence", PolicySections.PERSISTENCE_KEYS).ifPresent(section -> {
      PolicySections.persistence(section)
          .ifPresent(policy -> node.apply("sessionPersistence", () -> b.sessionPersistence(policy)));
      keys[0] = cookieKeys(section, folder);
    });

    String[] bind = {"0.0.0.0"};
    node.string("bind", value -> bind[0] = BindAddresses.parse(value).getHostAddress());
    String[] viaId = {null};
    node.string("viaId", value -> viaId[0] = checkViaId(value));
    ListenerConfig.TlsFiles tls = tls(node, protocol[0], folder);
    ListenerConfig.BackendPool backendPool = backendPool(node, protocol[0]);
    Http2Limits.Builder http2Limits = http2Limits(node, protocol[0]);
    int[] maxConnections = {0};
    node.integer("maxConnections", value -> maxConnections[0] = checkRange("listenerServer.maxConnections", value, 1,
        ConnectionBudget.MAX_CONNECTIONS_LIMIT));
    List<Backend> backends = backends(node);
    SourceConfig source = node.section("source", SOURCE_KEYS).flatMap(section -> SourceConfigs.read(section, folder))
        .orElse(null);
    if (node.has("source") && node.has("backends")) {
      node.apply("source", () -> {
        throw new IllegalArgumentException("a listener takes backends or a source, not both");
      });
    }

    ListenerConfig.FleetOptions fleet = new ListenerConfig.FleetOptions(
        node.section("loadAware", FleetSections.LOAD_AWARE_KEYS).flatMap(FleetSections::loadAware).orElse(null),
        node.section("subset", FleetSections.SUBSET_KEYS).flatMap(FleetSections::subset).orElse(null));

    Listener[] built = {null};
    node.apply("", () -> built[0] = b.build());
    if (built[0] != null && fleet.loadAware() != null) {
      node.apply("loadAware", () -> built[0].poolSettings().toBuilder().loadAware(fleet.loadAware()).build());
    }
    if (!complete || built[0] == null) {
      return Optional.empty();
    }
    checkNoSelfLoop(node, built[0], bind[0], backends);
    int beforeRouting = node.problemsMarker();
    RoutingConfig routing = RoutingSections.read(node, built[0], bind[0], folder);
    if (node.problemsMarker() != beforeRouting || (protocol[0] == Protocol.UDP && udp == null)) {
      return Optional.empty();
    }
    Http2Limits limits = http2Limits == null ? null : http2Limits.build();
    return Optional.of(new ListenerConfig(built[0], bind[0], tls, backends, source, backendPool, limits,
        maxConnections[0], viaId[0], keys[0], node.lineOf("port"), routing, udp, fleet));
  }

  /** {@code admin: {port, bind}}: off unless present, loopback unless {@code bind} says otherwise. */
  private static GatewayConfig.AdminConfig admin(ConfigNode node, List<ListenerConfig> listeners) {
    int before = node.problemsMarker();
    int[] port = {0};
    String[] bind = {GatewayConfig.AdminConfig.DEFAULT_BIND};
    if (node.require("port")) {
      node.integer("port", value -> port[0] = checkRange("admin.port", value, 1, 65535));
    }
    node.string("bind", value -> bind[0] = BindAddresses.parse(value).getHostAddress());
    if (node.problemsMarker() != before) {
      return null;
    }
    InetAddress address = BindAddresses.parse(bind[0]);
    for (ListenerConfig l : listeners) {
      if (l.listener().frontendPort() == port[0] && BindAddresses.collide(address, BindAddresses.parse(l.bindAddress()))) {
        node.apply("port", () -> {
          throw new IllegalArgumentException("admin.port " + port[0] + " is listener '" + l.listener().name()
              + "''s port (line " + l.line() + ") on " + l.bindAddress() + ": give the admin endpoint a port of its own");
        });
        return null;
      }
    }
    return new GatewayConfig.AdminConfig(bind[0], port[0], node.lineOf("port"));
  }

  private static Optional<HealthCheckPolicy> defaultHealthCheck(ConfigNode listener, Protocol protocol) {
    return protocol.isLayer7() && !listener.has("healthCheck") ? Optional.of(HealthCheckPolicy.http()) : Optional.empty();
  }

  /** {@code sessionPersistence.keyFile}: read now, so a bad file is one more problem of the configuration. */
  private static CookieKeys cookieKeys(ConfigNode p, Path folder) {
    if (!p.has("keyFile")) {
      return null;
    }
    CookieKeys[] keys = {null};
    p.string("keyFile", value -> {
      if (!p.text("mode").map(m -> m.trim().equalsIgnoreCase("insert-cookie")).orElse(false)) {
        throw new IllegalArgumentException("keyFile applies to mode insert-cookie only");
      }
      Path file = folder == null ? Path.of(value) : folder.resolve(value);
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + file + " (" + IoErrors.describe(e) + ")");
      }
      keys[0] = CookieKeys.parse(file, text);
    });
    return keys[0];
  }

  private static String checkViaId(String value) {
    if (!value.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "viaId must be 1-64 characters of A-Z a-z 0-9 '-' '_' '.', was '" + value + "'");
    }
    return value;
  }

  private static ListenerConfig.TlsFiles tls(ConfigNode listener, Protocol protocol, Path folder) {
    Optional<ConfigNode> section = listener.section("tls", TLS_KEYS);
    if (protocol != Protocol.HTTPS) {
      section.ifPresent(tls -> tls.problem("tls applies to https listeners only, but protocol is "
          + protocol.name().toLowerCase(Locale.ROOT)));
      return null;
    }
    if (section.isEmpty()) {
      listener.apply("tls", () -> {
        throw new IllegalArgumentException("an https listener needs tls.certificate and tls.privateKey");
      });
      return null;
    }
    ConfigNode tls = section.get();
    Path[] files = new Path[2];
    String[] keys = {"certificate", "privateKey"};
    for (int i = 0; i < 2; i++) {
      int index = i;
      if (tls.require(keys[i])) {
        tls.string(keys[i], value -> {
          Path path = folder == null ? Path.of(value) : folder.resolve(value);
          if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("no readable file at " + path);
          }
          files[index] = path;
        });
      }
    }
    return files[0] != null && files[1] != null ? new ListenerConfig.TlsFiles(files[0], files[1]) : null;
  }

  /** Layer 7's pool of idle backend connections, checked with {@link ListenerServer}'s ranges. */
  /**
   * {@code http2Limits: {...}}: the HTTP/2 limits most often tuned, checked by {@link Http2Limits}'s builder
   * (the others keep their defaults); null when absent (the listener's default). The header list's default is
   * the listener's {@code maxRequestHeaderSize}, as without the section.
   */
  private static Http2Limits.Builder http2Limits(ConfigNode listener, Protocol protocol) {
    Optional<ConfigNode> section = listener.section("http2Limits", HTTP2_LIMITS_KEYS);
    if (section.isEmpty()) {
      return null;
    }
    if (!protocol.isLayer7()) {
      section.get().problem("http2Limits applies to http and https listeners only, but protocol is "
          + protocol.name().toLowerCase(Locale.ROOT));
      return null;
    }
    Http2Limits.Builder b = Http2Limits.builder();
    if (listener.has("maxRequestHeaderSize")) {
      // Read (and reported, when wrong) as the listener's own key; here only its value is needed.
      listener.text("maxRequestHeaderSize").ifPresent(text -> {
        try {
          int value = Integer.parseInt(text.trim());
          if (value >= 1024 && value <= 1024 * 1024) {
            b.maxHeaderListSize(value);
          }
        } catch (NumberFormatException ignored) {
          // the listener's key reports it
        }
      });
    } else {
      b.maxHeaderListSize(Listener.DEFAULT_MAX_REQUEST_HEADER_SIZE);
    }
    ConfigNode h = section.get();
    h.integer("maxConcurrentStreams", b::maxConcurrentStreams);
    h.integer("initialWindowSize", b::initialWindowSize);
    h.integer("connectionWindowSize", b::connectionWindowSize);
    h.integer("maxHeaderListSize", b::maxHeaderListSize);
    h.duration("streamIdleTimeout", b::streamIdleTimeout);
    return b;
  }

  private static ListenerConfig.BackendPool backendPool(ConfigNode listener, Protocol protocol) {
    Optional<ConfigNode> section = listener.section("backendPool", BACKEND_POOL_KEYS);
    if (section.isEmpty()) {
      return ListenerConfig.BackendPool.DEFAULTS;
    }
    if (!protocol.isLayer7()) {
      section.get().problem("backendPool applies to http and https listeners only, but protocol is "
          + protocol.name().toLowerCase(Locale.ROOT));
      return ListenerConfig.BackendPool.DEFAULTS;
    }
    int[] maxIdle = {ListenerServer.DEFAULT_MAX_IDLE_PER_BACKEND};
    Duration[] idle = {ListenerServer.DEFAULT_BACKEND_IDLE_TIMEOUT};
    ConfigNode pool = section.get();
    pool.integer("maxIdlePerBackend", value -> maxIdle[0] = checkRange("backendPool.maxIdlePerBackend", value, 0,
        ListenerServer.MAX_IDLE_PER_BACKEND_LIMIT));
    pool.duration("idleTimeout", value -> {
      if (value.compareTo(ListenerServer.MIN_BACKEND_IDLE_TIMEOUT) < 0
          || value.compareTo(ListenerServer.MAX_BACKEND_IDLE_TIMEOUT) > 0) {
        throw new IllegalArgumentException("backendPool.idleTimeout must be between "
            + Durations.format(ListenerServer.MIN_BACKEND_IDLE_TIMEOUT) + " and "
            + Durations.format(ListenerServer.MAX_BACKEND_IDLE_TIMEOUT) + ", was " + Durations.format(value));
      }
      idle[0] = value;
    });
    return new ListenerConfig.BackendPool(maxIdle[0], idle[0]);
  }

  static List<Backend> backends(ConfigNode listener) {
    List<Backend> backends = new ArrayList<>();
    Map<String, Integer> seenIds = new HashMap<>();
    for (ConfigNode node : listener.sections("backends", BACKEND_KEYS)) {
      boolean complete = node.require("id") & node.require("host") & node.require("port");
      String[] id = {null};
      String[] host = {null};
      int[] port = {-1};
      int before = node.problemsMarker();
      // Each of the three is checked by the builder under its own key, the others standing in valid.
      node.string("id", value -> id[0] = Backend.builder(value, "127.0.0.1", 1).build().id());
      node.string("host", value -> host[0] = Backend.builder("x", value, 1).build().host());
      node.integer("port", value -> port[0] = Backend.builder("x", "127.0.0.1", value).build().port());
      if (!complete || node.problemsMarker() != before) {
        continue;
      }
      Backend.Builder b = Backend.builder(id[0], host[0], port[0]);
      node.integer("weight", b::weight);
      node.bool("enabled", b::enabled);
      Integer previous = seenIds.putIfAbsent(id[0], node.lineOf("id"));
      if (previous != null) {
        node.apply("id", () -> {
          throw new IllegalArgumentException("backend id '" + id[0] + "' is already used on line " + previous);
        });
        continue;
      }
      node.apply("", () -> backends.add(b.build()));
    }
    return backends;
  }

  static void checkNoSelfLoop(ConfigNode node, Listener listener, String bind, List<Backend> backends) {
    for (Backend backend : backends) {
      int port = listener.backendPortFor(backend);
      boolean sameHost = backend.host().equals(bind)
          || (bind.equals("0.0.0.0") && (backend.host().startsWith("127.") || backend.host().equals("localhost")));
      if (sameHost && port == listener.frontendPort()) {
        node.problem("backend '" + backend.id() + "' at " + backend.host() + ":" + port
            + " is this listener's own address: every request would loop back to the gateway");
      }
    }
  }

  /**
   * A name used twice, or a bind that collides with an earlier listener's on the same port: the same address,
   * or a wildcard beside a specific address ({@code 0.0.0.0:8080} takes 8080 on {@code 127.0.0.1} too, so the
   * second listener could never bind).
   */
  private static void checkUnique(ConfigNode node, ListenerConfig config, List<ListenerConfig> earlier,
      Map<String, ConfigNode> nodes) {
    Listener l = config.listener();
    if (nodes.containsKey(l.name())) {
      node.problem("listener name '" + l.name() + "' is used by an earlier listener");
    }
    InetAddress bind = BindAddresses.parse(config.bindAddress());
    for (ListenerConfig other : earlier) {
      if (other.listener().frontendPort() != l.frontendPort()
          || !BindAddresses.collide(bind, BindAddresses.parse(other.bindAddress()))) {
        continue;
      }
      String mine = hostPort(config.bindAddress(), l.frontendPort());
      String theirs = hostPort(other.bindAddress(), l.frontendPort());
      node.problem(mine.equals(theirs)
          ? "address " + mine + " is bound by an earlier listener ('" + other.listener().name() + "', line "
              + other.line() + ")"
          : "address " + mine + " collides with " + theirs + " of listener '" + other.listener().name()
              + "' (line " + other.line() + "): a wildcard address takes the port on every address");
      break;
    }
  }

  private static String hostPort(String address, int port) {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }


  private static int checkRange(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  static Set<String> keys(String... keys) {
    return new LinkedHashSet<>(List.of(keys));
  }

  static <E> Map<String, E> words(Object... pairs) {
    Map<String, E> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      @SuppressWarnings("unchecked")
      E value = (E) pairs[i + 1];
      map.put((String) pairs[i], value);
    }
    return map;
  }

  private static Map<String, SchedulingAlgorithm> schedulers() {
    Map<String, SchedulingAlgorithm> map = new LinkedHashMap<>();
    for (SchedulingAlgorithm a : SchedulingAlgorithm.values()) {
      map.put(a.code(), a);
    }
    return map;
  }

}
