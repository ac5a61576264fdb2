package io.lb4j.impl.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendSourceTest {

  private static final Listener LISTENER = Listener.builder("file", Protocol.HTTP, 0)
      .healthCheck(HealthCheckPolicy.disabled()).build();
  // Long backoff: recovery in these tests comes from the file watch, not from retries.
  private static final DiscoveryPolicy POLICY = DiscoveryPolicy.builder().retryInitialBackoff(Duration.ofMinutes(5))
      .retryMaxBackoff(Duration.ofMinutes(5)).build();

  @TempDir
  Path dir;

  @Test
  void watchedFile_appliesEachAtomicReplacementAndKeepsTheLastGoodOnAnInvalidOne() throws Exception {
    Path file = dir.resolve("backends.txt");
    replace(file, "a 127.0.0.1:8001\nb 127.0.0.2:8002 20\n");
    try (LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(BackendSources.file(file))
        .discoveryPolicy(POLICY).build().start()) {
      // The state turns HEALTHY just after the list is applied: wait for it, then look at the list.
      await("first list", () -> pool.sourceState().orElseThrow().phase() == Phase.HEALTHY);
      assertThat(ids(pool)).containsExactly("a", "b");
      assertThat(pool.sourceState().orElseThrow().source()).isEqualTo("file " + file.toAbsolutePath());

      replace(file, "b 127.0.0.2:8002 30\nc 127.0.0.3:8003\n");
      await("changed list", () -> ids(pool).equals(List.of("b", "c")));
      assertThat(pool.view()).extracting(BackendView::backend).extracting(Backend::weight).containsExactly(30, 100);

      replace(file, "b 127.0.0.2:8002 30\nc 127.0.0.3:0\n");
      await("the invalid file reported", () -> pool.sourceState().orElseThrow().phase() == Phase.FAILING);
      SourceState failing = pool.sourceState().orElseThrow();
      assertThat(failing.lastError()).isEqualTo("backends.txt line 2: backend.port must be between 1 and 65535, was 0");
      assertThat(failing.backends()).isEqualTo(2);
      assertThat(ids(pool)).containsExactly("b", "c");

      Files.delete(file);
      await("the missing file reported", () -> pool.sourceState().orElseThrow().lastError()
          .equals(file.toAbsolutePath() + " does not exist"));
      assertThat(ids(pool)).containsExactly("b", "c");

      replace(file, "d 127.0.0.4:8004\n");
      await("recovered", () -> pool.sourceState().orElseThrow().phase() == Phase.HEALTHY);
      assertThat(ids(pool)).containsExactly("d");
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lb4j-file-source"));
  }

  @Test
  void fixedSource_deliversOnStartAndOnRefresh() {
    List<Backend> backends = List.of(Backend.of("a", "127.0.0.1", 80), Backend.of("b", "127.0.0.2", 80));
    try (LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(BackendSources.fixed(backends)).build()
        .start()) {
      assertThat(ids(pool)).containsExactly("a", "b");
      assertThat(pool.sourceState().orElseThrow().source()).isEqualTo("fixed 2 backends");
    }
  }

  private static List<String> ids(LoadBalancer pool) {
    return pool.view().stream().map(v -> v.backend().id()).toList();
  }

  /** Writes another file and renames it over {@code file}, as the format's documentation asks. */
  private void replace(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(dir, "next", ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after 30s waiting for: " + what);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
