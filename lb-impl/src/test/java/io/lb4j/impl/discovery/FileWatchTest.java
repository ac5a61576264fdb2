package io.lb4j.impl.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19's watching findings: Kubernetes symlink swaps, half-written files, a callback that throws. */
class FileWatchTest {

  @TempDir
  Path dir;

  /** Records each delivery of a file source: a list of ids, or the error. */
  private static final class Deliveries implements BackendSource.Subscriber {
    final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();

    @Override
    public void onBackends(List<Backend> backends) {
      seen.add(backends.stream().map(Backend::id).toList());
    }

    @Override
    public void onError(String error) {
      seen.add(error);
    }

    Object next() throws InterruptedException {
      Object next = seen.poll(30, TimeUnit.SECONDS);
      assertThat(next).as("a delivery within 30 s").isNotNull();
      return next;
    }
  }

  @Test
  void fileSource_seesAKubernetesConfigMapUpdate_aSymlinkSwapThatNeverNamesTheFile() throws Exception {
    // The layout the kubelet writes: backends.txt -> ..data/backends.txt, ..data -> ..2026_12_01_a
    Path v1 = Files.createDirectory(dir.resolve("..2026_12_01_a"));
    Files.writeString(v1.resolve("backends.txt"), "a 127.0.0.1:8001\n");
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path file = Files.createSymbolicLink(dir.resolve("backends.txt"), Path.of("..data/backends.txt"));
    Deliveries deliveries = new Deliveries();
    try (BackendSource source = BackendSources.file(file)) {
      source.start(deliveries);
      assertThat(deliveries.next()).isEqualTo(List.of("a"));

      // An update: a new version folder, a new link renamed over ..data, the old folder removed.
      Path v2 = Files.createDirectory(dir.resolve("..2026_12_01_b"));
      Files.writeString(v2.resolve("backends.txt"), "a 127.0.0.1:8001\nb 127.0.0.2:8002\n");
      Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
      Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.delete(v1.resolve("backends.txt"));
      Files.delete(v1);

      assertThat(deliveries.next()).isEqualTo(List.of("a", "b"));
    }
  }

  @Test
  void fileSource_aFileWrittenInTwoSteps_isNotAppliedHalfWritten() throws Exception {
    Path file = dir.resolve("backends.txt");
    String all = "a 127.0.0.1:8001\nb 127.0.0.2:8002\nc 127.0.0.3:8003\n";
    Files.writeString(file, all);
    Deliveries deliveries = new Deliveries();
    // A settle time far above the gap between the two writes below, even on a loaded machine.
    try (BackendSource source = BackendSources.file(file, Duration.ofSeconds(3))) {
      source.start(deliveries);
      assertThat(deliveries.next()).isEqualTo(List.of("a", "b", "c"));

      // Rewritten in place in two writes, as the fuzzer did: the first leaves only backend a.
      String next = "a 127.0.0.1:8001\nb 127.0.0.2:8002\nd 127.0.0.4:8004\n";
      try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write(StandardCharsets.UTF_8.encode(next.substring(0, 17)));
        out.force(false);
        out.write(StandardCharsets.UTF_8.encode(next.substring(17)));
      }

      assertThat(deliveries.next()).as("the only delivery is the whole file").isEqualTo(List.of("a", "b", "d"));
      assertThat(deliveries.seen.poll(500, TimeUnit.MILLISECONDS)).as("nothing after it").isNull();
    }
  }

  @Test
  void aCallbackThatThrowsAnError_doesNotStopTheWatch() throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, "one");
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch thrown = new CountDownLatch(1);
    BlockingQueue<String> contents = new LinkedBlockingQueue<>();
    try (FileWatch watch = FileWatch.start(List.of(file), Duration.ofMillis(50), Duration.ofSeconds(1), "test-watch",
        () -> {
          if (calls.incrementAndGet() == 1) {
            thrown.countDown();
            throw new StackOverflowError("what a 10,000-deep file once did to the parser");
          }
          contents.add(read(file));
        })) {
      Files.writeString(file, "two");
      assertThat(thrown.await(30, TimeUnit.SECONDS)).as("the first callback ran").isTrue();
      Files.writeString(file, "three");

      String seen;
      do {
        seen = contents.poll(30, TimeUnit.SECONDS);
        assertThat(seen).as("a change reported after the error").isNotNull();
      } while (!seen.equals("three"));
      assertThat(watch.toString()).contains("gateway.yaml");
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-watch"));
  }

  @Test
  void start_refusesAnEmptyListAndOutOfRangeTimes() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileWatch.start(List.of(), Duration.ZERO,
        Duration.ofSeconds(1), "w", () -> { })).hasMessage("fileWatch.files must name at least one file, was empty");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileWatch.start(List.of(dir.resolve("f")),
        Duration.ofSeconds(11), Duration.ofSeconds(1), "w", () -> { }))
        .hasMessage("fileWatch.settle must be between 0s and 10s, was 11s");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
