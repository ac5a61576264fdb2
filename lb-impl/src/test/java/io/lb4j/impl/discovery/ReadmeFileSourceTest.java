package io.lb4j.impl.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps README's file-source snippet compiling and true: the block between the markers is the snippet. */
class ReadmeFileSourceTest {

  @TempDir
  Path dir;

  @Test
  void readmeFileSource_feedsThePoolFromTheFile() throws Exception {
    Path file = dir.resolve("web-backends.txt");
    Files.writeString(file, "web-1 127.0.0.1:8081\nweb-2 127.0.0.2:8082 50\n");
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    List<SourceState> seen = new CopyOnWriteArrayList<>();
    // --- README file source ---
    try (LoadBalancer pool = LoadBalancers.builder(listener)
        .backendSource(BackendSources.file(file)) // "id host:port [weight]" a line, reloaded on change
        .discoveryPolicy(DiscoveryPolicy.builder().initialTimeout(Duration.ofSeconds(5)).build())
        .build().start()) {
      pool.subscribe(LoadBalancerEvent.SourceStateChanged.class, e -> seen.add(e.state())); // failing, recovered
      pool.whenReady().get(10, TimeUnit.SECONDS); // the first list arrived and a backend can take traffic
      // --- end of README file source ---
      assertThat(pool.view()).extracting(v -> v.backend().id()).containsExactly("web-1", "web-2");
      assertThat(pool.sourceState().orElseThrow().phase()).isEqualTo(SourceState.Phase.HEALTHY);
    }
    assertThat(seen).isNotEmpty();
  }
}
