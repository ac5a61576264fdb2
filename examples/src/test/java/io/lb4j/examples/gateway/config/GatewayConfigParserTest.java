package io.lb4j.examples.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.StatusClass;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GatewayConfigParserTest {

  private final GatewayConfigParser parser = new GatewayConfigParser();

  private static final String VALID = String.join("\n",
      "maxConnections: 20000",
      "listeners:",
      "  - name: web",
      "    protocol: http",
      "    bind: 127.0.0.1",
      "    port: 8080",
      "    scheduler: wlc",
      "    requestTimeout: 30s",
      "    writeTimeout: 45s",
      "    lingeringTime: 10s",
      "    underscoresInHeaders: true",
      "    allowH2cUpgrade: true",
      "    maxRequestHeaderSize: 16384",
      "    acceptBacklog: 512",
      "    drainTimeout: 500ms",
      "    slowStart: {window: 20s, floorPercent: 5}",
      "    healthCheck:",
      "      method: get",
      "      path: /actuator/health",
      "      normalStatuses: [2xx]",
      "      timeout: 1s",
      "      interval: 2s",
      "      healthyThreshold: 2",
      "      unhealthyThreshold: 4",
      "    outlierDetection: {consecutiveFailures: 7, baseEjectionTime: 10s}",
      "    sessionPersistence: {mode: insert-cookie, timeout: 1h}",
      "    backendPool: {maxIdlePerBackend: 64, idleTimeout: 5s}",
      "    maxConnections: 500",
      "    backends:",
      "      - {id: a, host: 127.0.0.1, port: 9001, weight: 3}",
      "      - {id: b, host: 127.0.0.2, port: 9002, enabled: false}",
      "  - name: tcp",
      "    protocol: tcp",
      "    port: 8443",
      "    idleTimeout: 60s",
      "    sessionPersistence: {mode: source-ip, timeout: 10m}",
      "    backends:",
      "      - {id: a, host: 127.0.0.1, port: 9001}",
      "");

  @Test
  void parse_readsEveryKeyIntoLb4jsOwnTypes() throws Exception {
    GatewayConfig config = parser.parse("gateway.yaml", VALID, null);

    assertThat(config.listeners()).hasSize(2);
    assertThat(config.maxConnections()).isEqualTo(20000);
    ListenerConfig web = config.listener("web").orElseThrow();
    Listener l = web.listener();
    assertThat(web.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(l.frontendProtocol()).isEqualTo(Protocol.HTTP);
    assertThat(l.frontendPort()).isEqualTo(8080);
    assertThat(l.scheduler()).isEqualTo(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS);
    assertThat(l.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(l.writeTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(l.lingeringTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(l.underscoresInHeaders()).isTrue();
    assertThat(l.allowH2cUpgrade()).isTrue();
    assertThat(l.maxRequestHeaderSize()).isEqualTo(16384);
    assertThat(l.acceptBacklog()).isEqualTo(512);
    assertThat(l.drainTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(l.slowStartWindow()).isEqualTo(Duration.ofSeconds(20));
    assertThat(l.slowStartFloorPercent()).isEqualTo(5);
    assertThat(l.healthCheck().type()).isEqualTo(HealthCheckType.HTTP);
    assertThat(l.healthCheck().method()).isEqualTo(HealthCheckMethod.GET);
    assertThat(l.healthCheck().path()).isEqualTo("/actuator/health");
    assertThat(l.healthCheck().normalStatuses()).isEqualTo(EnumSet.of(StatusClass.HTTP_2XX));
    assertThat(l.healthCheck().responseTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(l.healthCheck().healthyThreshold()).isEqualTo(2);
    assertThat(l.healthCheck().unhealthyThreshold()).isEqualTo(4);
    assertThat(l.outlierDetection().enabled()).isTrue();
    assertThat(l.outlierDetection().consecutiveFailures()).isEqualTo(7);
    assertThat(l.sessionPersistence().mode()).isEqualTo(SessionPersistence.Mode.INSERT_COOKIE);
    assertThat(l.sessionPersistence().timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(web.backends()).extracting(Backend::id, Backend::weight, Backend::enabled)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 3, true),
            org.assertj.core.groups.Tuple.tuple("b", Backend.DEFAULT_WEIGHT, false));
    assertThat(web.tls()).isNull();
    assertThat(web.backendPool()).isEqualTo(new ListenerConfig.BackendPool(64, Duration.ofSeconds(5)));
    assertThat(web.maxConnections()).isEqualTo(500);

    ListenerConfig tcp = config.listener("tcp").orElseThrow();
    assertThat(tcp.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(tcp.listener().healthCheck().type()).isEqualTo(HealthCheckType.TCP);
    assertThat(tcp.listener().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(tcp.backendPool()).isEqualTo(ListenerConfig.BackendPool.DEFAULTS);
    assertThat(tcp.maxConnections()).as("the default").isZero();
  }

  @Test
  void parse_defaultsAnHttpListenersCheckToHttp() throws Exception {
    GatewayConfig config = parser.parse("g.yaml",
        "listeners:\n  - {name: web, protocol: http, port: 8080, backends: []}\n", null);

    assertThat(config.listeners().get(0).listener().healthCheck().type()).isEqualTo(HealthCheckType.HTTP);
  }

  @Test
  void parse_resolvesTlsFilesAgainstTheConfigFolder(@TempDir Path folder) throws Exception {
    Files.writeString(folder.resolve("chain.pem"), "-----BEGIN CERTIFICATE-----\n");
    Files.writeString(folder.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "listeners:\n  - name: secure\n    protocol: https\n    port: 8443\n"
        + "    tls: {certificate: chain.pem, privateKey: key.pem}\n");

    ListenerConfig secure = parser.parse(file).listeners().get(0);

    assertThat(secure.tls().certificateChain()).isEqualTo(folder.resolve("chain.pem"));
    assertThat(secure.tls().privateKey()).isEqualTo(folder.resolve("key.pem"));
  }

  /** A bad file, the line and key each problem must name, and words its message must contain. */
  static Stream<Arguments> badConfigs() {
    return Stream.of(
        bad("empty file", "", "g.yaml:0: the file is empty"),
        bad("not YAML", "listeners: [\n", "g.yaml:2: not valid YAML"),
        bad("no listeners key", "listener: []\n",
            "g.yaml:1: listener: unknown key (expected one of: listeners, maxConnections, admin)", "g.yaml:1: listeners: is required"),
        bad("no listener", "listeners: []\n", "listeners must list at least one listener"),
        bad("listeners not a list", "listeners: web\n", "g.yaml:1: listeners: expected a list, was 'web'"),
        bad("missing name, protocol and port", "listeners:\n  - {bind: 127.0.0.1}\n",
            "listeners[0].name: is required", "listeners[0].protocol: is required", "listeners[0].port: is required"),
        bad("unknown protocol", "listeners:\n  - {name: a, protocol: ftp, port: 80}\n",
            "g.yaml:2: listeners[0].protocol: expected one of tcp, udp, http, https, was 'ftp'"),
        bad("port out of range", "listeners:\n  - {name: a, protocol: tcp, port: 70000}\n",
            "g.yaml:2: listeners[0].port: listener.frontendPort must be between 1 and 65535, was 70000"),
        bad("port not a number", "listeners:\n  - {name: a, protocol: tcp, port: eighty}\n",
            "listeners[0].port: expected a whole number, was 'eighty'"),
        bad("unknown listener key", "listeners:\n  - {name: a, protocol: tcp, port: 80, timeout: 5s}\n",
            "listeners[0].timeout: unknown key (expected one of: name, protocol"),
        bad("key given twice", "listeners:\n  - name: a\n    name: b\n    protocol: tcp\n    port: 80\n",
            "g.yaml:3: listeners[0].name: given twice"),
        bad("bad duration", "listeners:\n  - {name: a, protocol: http, port: 80, requestTimeout: 2 sec}\n",
            "listeners[0].requestTimeout: expected a duration such as 500ms, 2s, 5m or 1h, was '2 sec'"),
        bad("request timeout above the reference's range",
            "listeners:\n  - {name: a, protocol: http, port: 80, requestTimeout: 181s}\n",
            "listeners[0].requestTimeout: listener.requestTimeout must be between"),
        bad("unknown scheduler", "listeners:\n  - {name: a, protocol: tcp, port: 80, scheduler: random}\n",
            "listeners[0].scheduler: expected one of wrr, rr, wlc"),
        bad("health interval too long",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    healthCheck:\n      interval: 60s\n",
            "g.yaml:6: listeners[0].healthCheck.interval: healthCheck.interval must be between 10ms and 50s, was 60s"),
        bad("health threshold zero and unknown status class",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    healthCheck:\n"
                + "      healthyThreshold: 0\n      normalStatuses: [2xx, 6xx]\n",
            "g.yaml:6: listeners[0].healthCheck.healthyThreshold: healthCheck.healthyThreshold must be between",
            "g.yaml:7: listeners[0].healthCheck.normalStatuses: healthCheck.normalStatuses must list 2xx, 3xx, 4xx or 5xx, was '6xx'"),
        bad("boolean written as yes", "listeners:\n  - name: a\n    protocol: http\n    port: 80\n"
                + "    healthCheck: {startHealthy: yes}\n",
            "listeners[0].healthCheck.startHealthy: expected true or false, was 'yes'"),
        bad("cookie persistence on a tcp listener",
            "listeners:\n  - {name: a, protocol: tcp, port: 80, sessionPersistence: {mode: insert-cookie}}\n",
            "listeners[0]: listener.sessionPersistence INSERT_COOKIE needs an HTTP or HTTPS listener"),
        bad("unknown persistence mode",
            "listeners:\n  - {name: a, protocol: http, port: 80, sessionPersistence: {mode: sticky}}\n",
            "listeners[0].sessionPersistence.mode: expected one of none, source-ip, insert-cookie, server-cookie, was 'sticky'"),
        bad("persistence without mode",
            "listeners:\n  - {name: a, protocol: http, port: 80, sessionPersistence: {timeout: 5s}}\n",
            "listeners[0].sessionPersistence.mode: is required"),
        bad("https without tls", "listeners:\n  - {name: a, protocol: https, port: 443}\n",
            "listeners[0].tls: an https listener needs tls.certificate and tls.privateKey"),
        bad("tls on http", "listeners:\n  - name: a\n    protocol: http\n    port: 80\n"
                + "    tls: {certificate: a.pem, privateKey: b.pem}\n",
            "listeners[0].tls: tls applies to https listeners only, but protocol is http"),
        bad("tls file missing", "listeners:\n  - name: a\n    protocol: https\n    port: 443\n"
                + "    tls: {certificate: /nonexistent/chain.pem, privateKey: /nonexistent/key.pem}\n",
            "listeners[0].tls.certificate: no readable file at /nonexistent/chain.pem",
            "listeners[0].tls.privateKey: no readable file at /nonexistent/key.pem"),
        bad("backend weight out of range and duplicate id",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    backends:\n"
                + "      - {id: x, host: 127.0.0.1, port: 9001, weight: 101}\n"
                + "      - {id: y, host: 127.0.0.1, port: 9002}\n"
                + "      - {id: y, host: 127.0.0.1, port: 9003}\n",
            "g.yaml:6: listeners[0].backends[0].weight: backend.weight must be between 0 and 100, was 101",
            "g.yaml:8: listeners[0].backends[2].id: backend id 'y' is already used on line 7"),
        bad("unknown source type", "listeners:\n  - {name: a, protocol: tcp, port: 80, source: {type: consul}}\n",
            "listeners[0].source.type: expected one of dns, dns-srv, zookeeper, file, was 'consul'"),
        bad("dns source without name and port", "listeners:\n  - {name: a, protocol: tcp, port: 80, source: {type: dns}}\n",
            "listeners[0].source.name: is required", "listeners[0].source.port: is required"),
        bad("dns source with a bad server and TTLs",
            "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    source: {type: dns, name: app.internal, port: 80, server: localhost, minTtl: 1m, maxTtl: 1s}\n",
            "listeners[0].source.server: source.server must be host:port with a port of 1-65535, was 'localhost'"),
        bad("backends and a source", "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    source: {type: file, path: b.txt}\n    backends: []\n",
            "listeners[0].source: a listener takes backends or a source, not both"),
        bad("zookeeper source without service",
            "listeners:\n  - {name: a, protocol: tcp, port: 80, source: {type: zookeeper, connect: 127.0.0.1:2181}}\n",
            "listeners[0].source.service: is required"),
        bad("backend port 0", "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    backends:\n"
                + "      - {id: x, host: 127.0.0.1, port: 0}\n",
            "g.yaml:6: listeners[0].backends[0].port: backend.port must be between 1 and 65535, was 0"),
        bad("backend without port", "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    backends:\n"
                + "      - {id: x, host: 127.0.0.1}\n",
            "g.yaml:6: listeners[0].backends[0].port: is required"),
        bad("backend is the listener itself", "listeners:\n  - name: a\n    protocol: http\n    bind: 127.0.0.1\n"
                + "    port: 8080\n    backends:\n      - {id: self, host: 127.0.0.1, port: 8080}\n",
            "listeners[0]: backend 'self' at 127.0.0.1:8080 is this listener's own address"),
        bad("backend pool limits out of range",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n"
                + "    backendPool: {maxIdlePerBackend: 10001, idleTimeout: 99ms}\n",
            "g.yaml:5: listeners[0].backendPool.maxIdlePerBackend: backendPool.maxIdlePerBackend must be between 0"
                + " and 10000, was 10001",
            "g.yaml:5: listeners[0].backendPool.idleTimeout: backendPool.idleTimeout must be between 100ms and 900s,"
                + " was 99ms"),
        bad("connection caps out of range", "maxConnections: 0\nlisteners:\n"
                + "  - {name: a, protocol: tcp, port: 80, maxConnections: 10000001}\n",
            "g.yaml:1: maxConnections: connectionBudget.maxConnections must be between 1 and 10000000, was 0",
            "g.yaml:3: listeners[0].maxConnections: listenerServer.maxConnections must be between 1 and 10000000,"
                + " was 10000001"),
        bad("backend pool on a tcp listener",
            "listeners:\n  - {name: a, protocol: tcp, port: 80, backendPool: {idleTimeout: 5s}}\n",
            "listeners[0].backendPool: backendPool applies to http and https listeners only, but protocol is tcp"),
        bad("bind is a host name", "listeners:\n  - {name: a, protocol: tcp, port: 80, bind: example.com}\n",
            "listeners[0].bind: bind must be an IPv4 or IPv6 address, was 'example.com'"),
        bad("two listeners, one name and one address",
            "listeners:\n  - {name: a, protocol: tcp, port: 80}\n  - {name: a, protocol: tcp, port: 80}\n",
            "g.yaml:3: listeners[1]: listener name 'a' is used by an earlier listener",
            "g.yaml:3: listeners[1]: address 0.0.0.0:80 is bound by an earlier listener"),
        // The config fuzzer's findings (issue 19): each category of file that once crashed, hung, was accepted
        // or was reported without a line.
        bad("nesting 10,000 deep (once a StackOverflowError)",
            "listeners:\n  - name: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n",
            "g.yaml:2: lists and mappings are nested more than 32 deep"),
        bad("a negative backend port (once dropped without a word)", BACKEND_HEAD + "      - {id: x, host: 127.0.0.1, port: -1}\n",
            "g.yaml:6: listeners[0].backends[0].port: backend.port must be between 1 and 65535, was -1"),
        bad("an empty backend id and host (once reported under .port)",
            BACKEND_HEAD + "      - {id: '', host: 127.0.0.1, port: 9001}\n      - {id: y, host: '', port: 9002}\n",
            "g.yaml:6: listeners[0].backends[0].id: backend.id must be",
            "g.yaml:7: listeners[0].backends[1].host: backend.host must be"),
        bad("Latin-1 text", latin1("listeners:\n  - name: caf\u00e9\n    protocol: http\n    port: 80\n"),
            "g.yaml:2: not UTF-8: byte 0xE9 at offset 24 cannot start or continue a UTF-8 character"),
        bad("UTF-16 with a byte-order mark",
            utf16("listeners:\n  - {name: a, protocol: http, port: 80}\n"),
            "g.yaml:1: the file is UTF-16 (little-endian byte-order mark FF FE); save it as UTF-8"),
        bad("random bytes", new byte[] {'a', ':', ' ', 'b', '\n', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0x07},
            "g.yaml:2: not UTF-8: byte 0xC3 at offset 5"),
        bad("a NUL byte", "listeners:\n  - name: web\n    protocol: ht\u0000tp\n",
            "g.yaml:3: not valid YAML: control character U+0000 is not allowed"),
        bad("a control character", "listeners:\n  - name: w\u0001eb\n",
            "g.yaml:2: not valid YAML: control character U+0001 is not allowed"),
        bad("an unsupported version directive", "# gateway\n%YAML 2.0\n---\nlisteners: []\n",
            "g.yaml:2: not valid YAML: version directive %YAML 2.0 is not supported (expected: 1.2, or no directive)"),
        bad("too many aliases (a billion laughs)", "a: &a [x, x]\nb: &b [*a, *a]\nc: [" + "*b, ".repeat(60) + "*b]\n",
            "g.yaml:3: more than 50 aliases (*name) of lists or mappings"),
        bad("a file over the size limit",
            ("listeners:\n" + "# padding\n".repeat(YamlDocument.MAX_BYTES / 10 + 1)).getBytes(StandardCharsets.UTF_8),
            "g.yaml:419431: the file is larger than the 4194304 bytes a configuration may have"),
        bad("a YAML tag", "listeners:\n  - name: web\n    protocol: !!binary aHR0cA==\n    port: !port 80\n",
            "g.yaml:3: YAML tags are not allowed, was !!binary", "g.yaml:4: YAML tags are not allowed, was !port"),
        bad("0.0.0.0 beside 127.0.0.1 on one port",
            "listeners:\n  - {name: a, protocol: tcp, bind: 127.0.0.1, port: 80}\n"
                + "  - {name: b, protocol: tcp, bind: 0.0.0.0, port: 80}\n",
            "g.yaml:3: listeners[1]: address 0.0.0.0:80 collides with 127.0.0.1:80 of listener 'a' (line 2)"),
        bad(":: beside 127.0.0.1 on one port",
            "listeners:\n  - {name: a, protocol: tcp, bind: 127.0.0.1, port: 80}\n"
                + "  - {name: b, protocol: tcp, bind: '::', port: 80}\n",
            "g.yaml:3: listeners[1]: address [0:0:0:0:0:0:0:0]:80 collides with 127.0.0.1:80 of listener 'a'"),
        bad("a bind address that is no address (never looked up)",
            "listeners:\n  - {name: a, protocol: tcp, port: 80, bind: 999.999.999.999}\n",
            "g.yaml:2: listeners[0].bind: bind must be an IPv4 or IPv6 address, was '999.999.999.999' (999 is above 255)"),
        bad("a dns source with a zookeeper key",
            "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    source: {type: dns, name: app.internal, port: 80, connect: 127.0.0.1:2181}\n",
            "g.yaml:5: listeners[0].source.connect: not a key of a dns source (expected one of: type, name, port,"
                + " server, minTtl, maxTtl)"),
        bad("a file source with a port", "listeners:\n  - {name: a, protocol: tcp, port: 80, source: {type: file, path: b.txt, port: 1}}\n",
            "listeners[0].source.port: not a key of a file source (expected one of: type, path)"),
        bad("a Via id with a space", "listeners:\n  - {name: a, protocol: http, port: 80, viaId: edge 1}\n",
            "listeners[0].viaId: viaId must be 1-64 characters of A-Z a-z 0-9 '-' '_' '.', was 'edge 1'"),
        bad("a cookie key file that is missing",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n"
                + "    sessionPersistence: {mode: insert-cookie, keyFile: /nonexistent/cookie-keys}\n",
            "g.yaml:5: listeners[0].sessionPersistence.keyFile: cannot read /nonexistent/cookie-keys (no such file)"),
        bad("a cookie key file on source-ip persistence",
            "listeners:\n  - name: a\n    protocol: http\n    port: 80\n"
                + "    sessionPersistence: {mode: source-ip, keyFile: keys}\n",
            "listeners[0].sessionPersistence.keyFile: keyFile applies to mode insert-cookie only"),
        bad("groups and backends", GROUPS_HEAD.replace("    groups:\n", "    backends: []\n    groups:\n") + GROUP_A
                + "    defaultGroup: a\n",
            "g.yaml:8: listeners[0].groups: a listener takes groups, or backends or a source, not both"),
        bad("rules without groups", "listeners:\n  - name: l\n    protocol: http\n    port: 80\n"
                + "    rules:\n      - {path: /a, group: a}\n    defaultGroup: a\n",
            "g.yaml:6: listeners[0].rules: rules needs groups", "g.yaml:7: listeners[0].defaultGroup: defaultGroup needs groups"),
        bad("a rule naming no group", GROUPS_HEAD + GROUP_A + GROUP_B + "    rules:\n      - {path: /x, group: c}\n"
                + "    defaultGroup: a\n",
            "g.yaml:14: listeners[0].rules[0].group: group 'c' is not a group of the listener (a, b)"),
        bad("a duplicate rule", GROUPS_HEAD + GROUP_A + GROUP_B + "    rules:\n      - {path: /x, group: b}\n"
                + "      - {path: /x, group: b}\n",
            "g.yaml:15: listeners[0].rules[1].path: rule */x -> b duplicates the rule on line 14"),
        bad("a shadowed rule", GROUPS_HEAD + GROUP_A + GROUP_B + "    rules:\n      - {host: a.test, path: /x, group: b}\n"
                + "      - {host: A.test, path: /x, group: a}\n",
            "g.yaml:15: listeners[0].rules[1].path: rule a.test/x -> a is shadowed by the rule on line 14 (a.test/x -> b):"
                + " same host and path, that one would always win"),
        bad("a rule path that is not normalized", GROUPS_HEAD + GROUP_A + "    rules:\n      - {path: /a/../b, group: a}\n",
            "g.yaml:11: listeners[0].rules[0].path: forwardingRule.pathPrefix must be a normalized absolute path"),
        bad("a rule host with a port", GROUPS_HEAD + GROUP_A + "    rules:\n      - {host: a.test:80, group: a}\n",
            "g.yaml:11: listeners[0].rules[0].host: forwardingRule.host must be a host name",
            "ports are ignored: write the host alone"),
        bad("a default group that is not defined", GROUPS_HEAD + GROUP_A + GROUP_B + "    defaultGroup: c\n",
            "g.yaml:13: listeners[0].defaultGroup: defaultGroup 'c' is not a group of the listener (a, b)"),
        bad("two groups and no rule", GROUPS_HEAD + GROUP_A + GROUP_B,
            "g.yaml:7: listeners[0].groups: 2 groups and neither rules nor a defaultGroup: say which group takes the"
                + " requests"),
        bad("a group name used twice", GROUPS_HEAD + GROUP_A + GROUP_A + "    defaultGroup: a\n",
            "g.yaml:10: listeners[0].groups[1].name: group name 'a' is used by an earlier group (line 7)"),
        bad("a standby that is not defined", GROUPS_HEAD + "      - name: a\n        standby: z\n        backends: []\n",
            "g.yaml:8: listeners[0].groups[0].standby: standby 'z' is not a group of the listener (a)"),
        bad("a group its own standby", GROUPS_HEAD + "      - name: a\n        standby: a\n        backends: []\n",
            "g.yaml:8: listeners[0].groups[0].standby: a group cannot be its own standby"),
        bad("standby groups that chain", GROUPS_HEAD + "      - {name: a, standby: b, backends: []}\n"
                + "      - {name: b, standby: c, backends: []}\n      - {name: c, backends: []}\n",
            "g.yaml:7: listeners[0].groups[0].standby: standby 'b' has a standby of its own ('c'): standby groups do"
                + " not chain"),
        bad("a backend in a group and its standby", GROUPS_HEAD
                + "      - name: a\n        standby: b\n        backends:\n          - {id: x, host: 10.0.0.1, port: 80}\n"
                + "      - name: b\n        backends:\n          - {id: x, host: 10.0.0.2, port: 80}\n",
            "g.yaml:8: listeners[0].groups[0].standby: backend id 'x' is in the group and in its standby 'b': they share"
                + " one pool, where ids are unique"),
        bad("two groups inserting one cookie", GROUPS_HEAD.replace("    groups:", "    sessionPersistence: {mode:"
                + " insert-cookie}\n    groups:") + GROUP_A + GROUP_B + "    rules:\n      - {path: /b, group: b}\n"
                + "    defaultGroup: a\n",
            "g.yaml:8: listeners[0].groups[0].sessionPersistence: groups 'b' and 'a' both insert cookie LB4J_SESSION: a client"
                + " visiting both would lose its session at each switch; set cookieName"),
        bad("rules on a tcp listener", GROUPS_HEAD.replace("protocol: http", "protocol: tcp") + GROUP_A + GROUP_B
                + "    rules:\n      - {path: /b, group: b}\n    defaultGroup: a\n",
            "g.yaml:14: listeners[0].rules: rules need an http or https listener, but protocol is tcp"),
        bad("rules beside h2c backends", GROUPS_HEAD.replace("protocol: http", "protocol: http\n    backendProtocol: h2c")
                + GROUP_A + GROUP_B + "    rules:\n      - {path: /b, group: b}\n    defaultGroup: a\n",
            "g.yaml:15: listeners[0].rules: rules need HTTP/1.1 backends, but backendProtocol is h2c"),
        bad("a key file on a group", GROUPS_HEAD + "      - name: a\n        sessionPersistence: {mode: insert-cookie,"
                + " keyFile: k}\n        backends: []\n",
            "g.yaml:8: listeners[0].groups[0].sessionPersistence.keyFile: keyFile is the listener's (its keys sign the"
                + " cookies of every group)"),
        bad("an unknown group key", GROUPS_HEAD + "      - {name: a, weight: 3, backends: []}\n",
            "listeners[0].groups[0].weight: unknown key (expected one of: name, backends, source, standby"),
        bad("a peak bandwidth above the maximum", "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    peakBandwidth: {upstream: 20000}\n",
            "g.yaml:5: listeners[0].peakBandwidth.upstream: listener.peakBandwidth.upstreamMbps must be between 0 and"
                + " 10000, was 20000"),
        bad("a direction above the total", "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    peakBandwidth: {downstream: 50, total: 10}\n",
            "g.yaml:5: listeners[0].peakBandwidth: listener.peakBandwidth.downstreamMbps (50) must not exceed"
                + " listener.peakBandwidth.totalMbps (10)"),
        bad("udp settings on a tcp listener", "listeners:\n  - name: a\n    protocol: tcp\n    port: 80\n"
                + "    udp: {maxFlows: 5}\n",
            "g.yaml:5: listeners[0].udp: udp applies to udp listeners only, but protocol is tcp"),
        bad("a datagram limit out of range", "listeners:\n  - name: a\n    protocol: udp\n    port: 53\n"
                + "    udp: {maxDatagramSize: 70000}\n",
            "g.yaml:5: listeners[0].udp.maxDatagramSize: udp.maxDatagramSize must be between 512 and 65507, was 70000"));
  }

  private static final String GROUPS_HEAD = "listeners:\n  - name: l\n    protocol: http\n    port: 80\n"
      + "    bind: 127.0.0.1\n    groups:\n";
  private static final String GROUP_A = "      - name: a\n        backends:\n          - {id: a1, host: 10.0.0.1, port: 80}\n";
  private static final String GROUP_B = "      - name: b\n        backends:\n          - {id: b1, host: 10.0.0.2, port: 80}\n";

  private static final String BACKEND_HEAD = "listeners:\n  - name: a\n    protocol: http\n    port: 80\n    backends:\n";

  private static byte[] latin1(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] utf16(String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_16LE);
    byte[] withMark = new byte[body.length + 2];
    withMark[0] = (byte) 0xFF;
    withMark[1] = (byte) 0xFE;
    System.arraycopy(body, 0, withMark, 2, body.length);
    return withMark;
  }

  private static Arguments bad(String description, String yaml, String... expected) {
    return bad(description, yaml.getBytes(StandardCharsets.UTF_8), expected);
  }

  private static Arguments bad(String description, byte[] file, String... expected) {
    return Arguments.of(description, file, List.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void parse_reportsEveryProblemWithLineKeyAndAllowedValues(String description, byte[] file, List<String> expected) {
    assertThatThrownBy(() -> parser.parse("g.yaml", file, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          List<String> problems = e.problems().stream().map(ConfigProblem::toString).toList();
          for (String want : expected) {
            assertThat(problems).as("problems of '%s'", description).anySatisfy(p -> assertThat(p).contains(want));
          }
        });
  }

  @Test
  void parse_aFourMegabyteValue_isReadInOnePass() {
    // snakeyaml's reader copies its window of the input at each refill: with its default 1 KiB window a single
    // 4 MB value took 8 s (quadratic). The window now holds the whole file, so each pass reads it once.
    String yaml = "listeners:\n  - name: " + "x".repeat(YamlDocument.MAX_BYTES - 40) + "\n";
    assertThat(YamlDocument.settings(yaml.length()).getBufferSize()).isGreaterThan(yaml.length());

    assertThatThrownBy(() -> parser.parse("g.yaml", yaml, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(ConfigProblem::toString)
            .contains("g.yaml:2: listeners[0].protocol: is required")
            .anySatisfy(p -> assertThat(p).startsWith("g.yaml:2: listeners[0].name: listener.name must be")));
  }

  @Test
  void parse_readsCookieKeysFromAFileNewestFirstAndNeverShowsThem(@TempDir Path folder) throws Exception {
    String current = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    String previous = java.util.Base64.getUrlEncoder().encodeToString("0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII));
    Files.writeString(folder.resolve("cookie-keys"), "# rotated 2026-12-01\n" + current + "\n\n" + previous + "\n");
    String yaml = "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n"
        + "    sessionPersistence: {mode: insert-cookie, keyFile: cookie-keys}\n";

    CookieKeys keys = parser.parse("g.yaml", yaml, folder).listeners().get(0).cookieKeys();

    assertThat(keys.file()).isEqualTo(folder.resolve("cookie-keys"));
    assertThat(keys.current()).hasSize(32).containsOnly(0);
    assertThat(new String(keys.previous(), StandardCharsets.US_ASCII)).isEqualTo("0123456789abcdef0123");
    assertThat(keys.toString()).isEqualTo("CookieKeys[" + folder.resolve("cookie-keys") + ", 2 keys]")
        .doesNotContain(current);
  }

  @Test
  void parse_reportsABadCookieKeyWithItsLineButNotTheKey(@TempDir Path folder) throws Exception {
    Files.writeString(folder.resolve("keys"), "c2hvcnQ=\n");
    String yaml = "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n"
        + "    sessionPersistence: {mode: insert-cookie, keyFile: keys}\n";

    assertThatThrownBy(() -> parser.parse("g.yaml", yaml, folder)).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactly(
            "g.yaml:5: listeners[0].sessionPersistence.keyFile: keys:1: a key must be at least 16 bytes, was 5 bytes"
                + " (use 32 random bytes)"));
  }

  @Test
  void parse_readsTheHttp2Keys() throws Exception {
    GatewayConfig config = parser.parse("g.yaml", "listeners:\n"
        + "  - name: grpc\n    protocol: http\n    port: 8080\n    http2: true\n    backendProtocol: h2c\n"
        + "    maxRequestHeaderSize: 8192\n"
        + "    http2Limits: {maxConcurrentStreams: 250, initialWindowSize: 131072, connectionWindowSize: 4194304,"
        + " streamIdleTimeout: 5m}\n"
        + "  - {name: web, protocol: http, port: 8081, http2: false}\n", null);

    ListenerConfig grpc = config.listener("grpc").orElseThrow();
    assertThat(grpc.listener().http2()).isTrue();
    assertThat(grpc.listener().backendHttpVersion()).isEqualTo(io.lb4j.api.HttpVersion.HTTP_2);
    assertThat(grpc.listener().healthCheck().type()).as("an h2c backend is probed by TCP").isEqualTo(HealthCheckType.TCP);
    assertThat(grpc.http2Limits().maxConcurrentStreams()).isEqualTo(250);
    assertThat(grpc.http2Limits().initialWindowSize()).isEqualTo(131072);
    assertThat(grpc.http2Limits().connectionWindowSize()).isEqualTo(4194304);
    assertThat(grpc.http2Limits().streamIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(grpc.http2Limits().maxHeaderListSize()).as("the listener's header limit").isEqualTo(8192);
    ListenerConfig web = config.listener("web").orElseThrow();
    assertThat(web.listener().http2()).isFalse();
    assertThat(web.listener().backendHttpVersion()).isEqualTo(io.lb4j.api.HttpVersion.HTTP_1_1);
    assertThat(web.http2Limits()).isNull();
  }

  @Test
  void parse_reportsBadHttp2Keys() {
    String yaml = "listeners:\n"
        + "  - {name: a, protocol: http, port: 8080, backendProtocol: h2, http2Limits: {maxConcurrentStreams: 0}}\n"
        + "  - {name: b, protocol: tcp, port: 8081, http2Limits: {maxConcurrentStreams: 10}}\n";
    assertThatThrownBy(() -> parser.parse("g.yaml", yaml, null)).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.problems()).extracting(ConfigProblem::toString)
            .anySatisfy(p -> assertThat(p).startsWith("g.yaml:2: listeners[0].backendProtocol:").contains("h2c"))
            .anySatisfy(p -> assertThat(p).startsWith("g.yaml:2: listeners[0].http2Limits.maxConcurrentStreams:")
                .contains("between 1 and 10000"))
            .anySatisfy(p -> assertThat(p).startsWith("g.yaml:3: listeners[1].http2Limits:")
                .contains("applies to http and https listeners only")));
  }

  @Test
  void parse_keepsTheViaIdAndTheLineOfEachListenersPort() throws Exception {
    GatewayConfig config = parser.parse("g.yaml", "listeners:\n  - name: web\n    protocol: http\n"
        + "    viaId: edge-1.web\n    port: 8080\n  - {name: tcp, protocol: tcp, port: 8081}\n", null);

    assertThat(config.listeners()).extracting(ListenerConfig::viaId).containsExactly("edge-1.web", null);
    assertThat(config.listeners()).extracting(ListenerConfig::line).containsExactly(5, 6);
  }

  @Test
  void parse_reportsProblemsOfSeveralListenersInOnePassInLineOrder() {
    String yaml = "listeners:\n"
        + "  - {name: a, protocol: http, port: 0}\n"
        + "  - {name: b, protocol: http, port: 81, requestTimeout: 0s}\n"
        + "  - {name: c, protocol: ftp, port: 82}\n";

    assertThatThrownBy(() -> parser.parse("g.yaml", yaml, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).extracting(ConfigProblem::line).containsExactly(2, 3, 4);
          assertThat(e.getMessage()).startsWith("3 problems in the configuration:");
        });
  }

  @Test
  void parse_acceptsTheExampleConfigShippedWithTheGateway() throws Exception {
    // Surefire runs in the module folder; the file is examples/gateway.yaml.
    GatewayConfig config = parser.parse(Path.of("gateway.yaml"));

    assertThat(config.listeners()).extracting(l -> l.listener().name()).containsExactly("web", "tcp", "dns");
    RoutingConfig web = config.listener("web").orElseThrow().routing();
    assertThat(web.group("app").backends()).extracting(Backend::weight).containsExactly(3, 2, 1);
    assertThat(web.group("app").standby()).isEqualTo("sorry");
    assertThat(web.rules().defaultGroup()).isEqualTo("app");
    assertThat(config.listener("web").orElseThrow().listener().peakBandwidth().downstreamMbps()).isEqualTo(200);
    assertThat(config.listener("dns").orElseThrow().udp().maxDatagramSize()).isEqualTo(1232);
  }

  @Test
  void parse_readsEachKindOfSourceAndBuildsItOnlyWhenAsked() throws Exception {
    GatewayConfig config = parser.parse("g.yaml", "listeners:\n"
        + "  - {name: a, protocol: tcp, port: 81, source: {type: dns, name: app.internal, port: 9000, "
        + "server: 127.0.0.1:5353, maxTtl: 30s}}\n"
        + "  - {name: b, protocol: tcp, port: 82, source: {type: dns-srv, name: _app._tcp.internal}}\n"
        + "  - {name: c, protocol: tcp, port: 83, source: {type: zookeeper, connect: 127.0.0.1:2181, service: app}}\n"
        + "  - {name: d, protocol: tcp, port: 84, source: {type: file, path: backends.txt}}\n", Path.of("/etc/lb4j"));

    assertThat(config.listeners()).extracting(l -> l.source().description()).containsExactly(
        "dns app.internal port 9000 server 127.0.0.1:5353 maxTtl PT30S",
        "dns-srv _app._tcp.internal",
        "zookeeper 127.0.0.1:2181 service app",
        "file /etc/lb4j/backends.txt");
    assertThat(config.listeners()).allSatisfy(l -> assertThat(l.backends()).isEmpty());
    try (var source = config.listeners().get(0).source().factory().get()) {
      assertThat(source.description()).contains("app.internal");
    }
  }

  @Test
  void parse_readsGroupsWithTheListenersSettingsAndTheirOwn_rulesAndTheStandby() throws Exception {
    GatewayConfig config = parser.parse("g.yaml", String.join("\n",
        "listeners:",
        "  - name: web",
        "    protocol: http",
        "    port: 8080",
        "    scheduler: wlc",
        "    sessionPersistence: {mode: insert-cookie}",
        "    peakBandwidth: {downstream: 100, total: 150}",
        "    groups:",
        "      - name: app",
        "        standby: sorry",
        "        backends:",
        "          - {id: a1, host: 10.0.0.1, port: 80}",
        "      - name: api",
        "        scheduler: rr",
        "        sessionPersistence: {mode: insert-cookie, cookieName: API_SESSION}",
        "        healthCheck: {path: /ready, interval: 1s}",
        "        backendPort: 8443",
        "        backends:",
        "          - {id: b1, host: 10.0.0.2, port: 80}",
        "      - name: sorry",
        "        backends:",
        "          - {id: s1, host: 10.0.0.9, port: 80}",
        "    rules:",
        "      - {host: \"*.example.com\", path: /api, group: api}",
        "      - {path: /v1, group: api}",
        "    defaultGroup: app",
        ""), null);

    ListenerConfig web = config.listener("web").orElseThrow();
    assertThat(web.listener().peakBandwidth()).isEqualTo(io.lb4j.api.PeakBandwidth.builder().downstreamMbps(100)
        .totalMbps(150).build());
    RoutingConfig routing = web.routing();
    assertThat(routing.groups()).extracting(GroupConfig::name).containsExactly("app", "api", "sorry");
    assertThat(routing.group("app").settings().scheduler()).as("the listener's").isEqualTo(
        SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS);
    assertThat(routing.group("api").settings().scheduler()).isEqualTo(SchedulingAlgorithm.ROUND_ROBIN);
    assertThat(routing.group("api").settings().sessionPersistence().cookieName()).isEqualTo("API_SESSION");
    assertThat(routing.group("api").settings().healthCheck().path()).isEqualTo("/ready");
    assertThat(routing.group("api").settings().backendPort()).isEqualTo(8443);
    assertThat(routing.group("app").standby()).isEqualTo("sorry");
    assertThat(routing.rules().rules()).extracting(Object::toString)
        .containsExactly("*.example.com/api -> api", "*/v1 -> api");
    assertThat(routing.describe()).isEqualTo("3 groups (app, api, sorry), 2 rules, default app");
    io.lb4j.api.routing.Routing lb4j = routing.toRouting(source -> null);
    assertThat(lb4j.routedGroups()).containsExactly("api", "app");
    assertThat(lb4j.standbyOf("app")).isEqualTo("sorry");
  }

  @Test
  void parse_readsAUdpListenerWithItsFlowSettingsAndAUdpCheck() throws Exception {
    GatewayConfig config = parser.parse("g.yaml", "listeners:\n  - name: dns\n    protocol: udp\n    port: 53\n"
        + "    udp: {flowIdleTimeout: 30s, maxDatagramSize: 1232, maxFlows: 500}\n"
        + "    healthCheck: {udpRequest: ping, udpExpectedResponse: pong}\n"
        + "    backends:\n      - {id: d1, host: 10.0.0.1, port: 53}\n", null);

    ListenerConfig dns = config.listeners().get(0);
    assertThat(dns.listener().frontendProtocol()).isEqualTo(Protocol.UDP);
    assertThat(dns.udp().flowIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(dns.udp().maxDatagramSize()).isEqualTo(1232);
    assertThat(dns.udp().maxFlows()).isEqualTo(500);
    assertThat(dns.listener().healthCheck().type()).isEqualTo(HealthCheckType.UDP);
    assertThat(dns.listener().healthCheck().udpExpectedResponse()).isEqualTo("pong");
  }
}
