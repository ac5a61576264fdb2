package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An instance extension: a fresh fleet per test, stopped after it with no thread left. */
class FleetExtensionPerTestTest {

  @RegisterExtension
  final FleetExtension fleet = FleetExtension.of(BackendFleet.builder().http("pertest", 1).build());

  @Test
  void theFleetRunsDuringTheTest() throws IOException {
    assertThat(fleet.http("pertest").isRunning()).isTrue();
    assertThat(RawClient.get(fleet.http("pertest"), "/").status()).isEqualTo(200);
  }

  @Test
  void afterEachStopsEveryBackendAndItsThreads() throws Exception {
    FleetExtension own = FleetExtension.of(BackendFleet.builder().http("own-a", 1).tcp("own-b", 1).build());
    own.beforeEach(null);
    try (RawClient c = RawClient.to(own.http("own-a")); RawClient d = RawClient.to(own.tcp("own-b"))) {
      c.get("/");
      c.readResponse();
      d.send("x");
      d.readExactly(1);
      own.afterEach(null);
    }
    assertThat(own.http("own-a").isRunning()).isFalse();
    assertThat(RawClient.threadsOf("own-a")).isEmpty();
    assertThat(RawClient.threadsOf("own-b")).isEmpty();
  }

  @Test
  void unknownOrMistypedBackendParametersAreExplained() throws Exception {
    Method m = Targets.class.getDeclaredMethod("target", HttpTestBackend.class, TcpTestBackend.class);
    assertThatThrownBy(() -> fleet.resolveParameter(new Param(m, 0), null))
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessage("no backend named 'missing' in the fleet [pertest]");
    assertThatThrownBy(() -> fleet.resolveParameter(new Param(m, 1), null))
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessage("backend 'pertest' is a HttpTestBackend, the parameter wants a TcpTestBackend");
  }

  @Test
  void fleetBuilderRefusesDuplicatesAndEmptyFleets() {
    assertThatThrownBy(() -> BackendFleet.builder().http("a", 1).tcp("a", 1))
        .isInstanceOf(IllegalStateException.class).hasMessage("fleet.backend 'a' is added twice");
    assertThatThrownBy(() -> BackendFleet.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessage("fleet must have at least one backend, was empty");
  }

  static final class Targets {
    @SuppressWarnings("unused")
    void target(@BackendName("missing") HttpTestBackend a, @BackendName("pertest") TcpTestBackend b) {}
  }

  /** A parameter context for a method parameter, as JUnit would pass it. */
  private record Param(Method method, int index) implements org.junit.jupiter.api.extension.ParameterContext {
    @Override
    public java.lang.reflect.Parameter getParameter() {
      return method.getParameters()[index];
    }

    @Override
    public int getIndex() {
      return index;
    }

    @Override
    public Optional<Object> getTarget() {
      return Optional.empty();
    }
  }
}
