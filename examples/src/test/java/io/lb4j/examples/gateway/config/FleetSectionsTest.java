package io.lb4j.examples.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway file's loadAware and subset sections: every key, and each problem with its line and range. */
class FleetSectionsTest {

  private static final String HEAD = "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n";
  private final GatewayConfigParser parser = new GatewayConfigParser();

  private ListenerConfig.FleetOptions fleet(String sections) throws Exception {
    return parser.parse("g.yaml", HEAD + sections, null).listeners().get(0).fleet();
  }

  private List<String> problems(String yaml) {
    try {
      parser.parse("g.yaml", yaml, null);
    } catch (ConfigException e) {
      return e.problems().stream().map(ConfigProblem::toString).toList();
    }
    throw new AssertionError("accepted: " + yaml);
  }

  @Test
  void everyKey_reachesThePolicies() throws Exception {
    ListenerConfig.FleetOptions f = fleet("    loadAware: {signal: reports, weightUpdatePeriod: 500ms, blackoutPeriod: 5s,"
        + " weightExpirationPeriod: 1m, errorUtilizationPenalty: 2.5, minWeightRatio: 0.2, maxWeightRatio: 5}\n"
        + "    subset: {clientIndex: 3, clientCount: 12, size: 5, salt: web}\n");
    assertThat(f.loadAware()).isEqualTo(LoadAwarePolicy.builder().weightUpdatePeriod(Duration.ofMillis(500))
        .blackoutPeriod(Duration.ofSeconds(5)).weightExpirationPeriod(Duration.ofMinutes(1))
        .errorUtilizationPenalty(2.5).minWeightRatio(0.2).maxWeightRatio(5).build());
    assertThat(f.subset()).isEqualTo(SubsetPolicy.byIndex(3, 12, 5).withSalt("web"));

    ListenerConfig.FleetOptions latency = fleet("    loadAware: {signal: latency, latencyDecay: 5s, failurePenalty: 3}\n"
        + "    subset: {clientId: gw-7, size: 4}\n");
    assertThat(latency.loadAware()).isEqualTo(LoadAwarePolicy.builder().signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY)
        .latencyDecay(Duration.ofSeconds(5)).failurePenalty(3).build());
    assertThat(latency.subset()).isEqualTo(SubsetPolicy.byClientId("gw-7", 4));
    assertThat(fleet("")).isEqualTo(ListenerConfig.FleetOptions.NONE);
  }

  @Test
  void problems_nameTheLineTheKeyTheValueAndTheRange() {
    assertThat(problems(HEAD + "    loadAware: {minWeightRatio: x, maxWeightRatio: 1000, signal: cpu}\n"))
        .containsExactlyInAnyOrder(
            "g.yaml:5: listeners[0].loadAware.minWeightRatio: loadAware.minWeightRatio must be a number, was 'x'",
            "g.yaml:5: listeners[0].loadAware.maxWeightRatio: loadAware.maxWeightRatio must be between 1.0 and"
                + " 100.0, was 1000.0",
            "g.yaml:5: listeners[0].loadAware.signal: expected one of reports, latency, was 'cpu'");
    assertThat(problems("listeners:\n  - {name: web, protocol: http, port: 8080, scheduler: rr, loadAware: {}}\n"))
        .containsExactly("g.yaml:2: listeners[0].loadAware: pool.loadAware needs a scheduler that uses weights and"
            + " keeps no key on a backend (wrr, wlc or p2c), was rr");
    assertThat(problems(HEAD + "    subset: {clientId: gw-7, clientIndex: 1, size: 3}\n"))
        .containsExactly("g.yaml:5: listeners[0].subset: subset takes clientId, or clientIndex and clientCount, not"
            + " both");
    assertThat(problems(HEAD + "    subset: {clientIndex: 12, clientCount: 12, size: 3}\n"))
        .containsExactly("g.yaml:5: listeners[0].subset.clientIndex: subset.clientIndex must be between 0 and 11,"
            + " was 12");
    assertThat(problems(HEAD + "    subset: {clientCount: 12}\n"))
        .contains("g.yaml:5: listeners[0].subset.size: is required",
            "g.yaml:5: listeners[0].subset.clientIndex: is required");
    assertThat(problems(HEAD + "    subset: {clientId: gw-7, size: 3, weight: 1}\n"))
        .anySatisfy(p -> assertThat(p).startsWith("g.yaml:5: listeners[0].subset.weight: "));
  }
}
