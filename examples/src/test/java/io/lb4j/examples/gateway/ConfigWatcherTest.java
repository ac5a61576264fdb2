package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

  private static final String CONFIG = "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n"
      + "    backends:\n      - {id: a, host: 127.0.0.1, port: 9001, weight: %s}\n";

  /** Records what the watcher reports, for the test thread to take with a deadline. */
  private static final class Recorder implements ConfigWatcher.Listener {
    final BlockingQueue<Object> reports = new LinkedBlockingQueue<>();

    @Override
    public void onValid(GatewayConfig config) {
      reports.add(config);
    }

    @Override
    public void onInvalid(ConfigException problems) {
      reports.add(problems);
    }

    @Override
    public void onUnreadable(IOException cause) {
      reports.add(cause);
    }

    Object next() throws InterruptedException {
      Object report = reports.poll(30, TimeUnit.SECONDS);
      assertThat(report).as("a report within 30 s").isNotNull();
      return report;
    }
  }

  @Test
  void reportsAnEditedFileAndAFileReplacedByRename(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Recorder recorder = new Recorder();
    try (ConfigWatcher watcher = watching(file, recorder)) {
      Files.writeString(file, String.format(CONFIG, 7));
      assertThat(weightOf(recorder.next())).isEqualTo(7);

      Path temp = folder.resolve("gateway.yaml.tmp");
      Files.writeString(temp, String.format(CONFIG, 9));
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      assertThat(weightOf(recorder.next())).isEqualTo(9);
    }
  }

  @Test
  void reportsEveryProblemOfAnInvalidEdit(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Recorder recorder = new Recorder();
    try (ConfigWatcher watcher = watching(file, recorder)) {
      Files.writeString(file, String.format(CONFIG, 101));

      Object report = recorder.next();
      assertThat(report).isInstanceOf(ConfigException.class);
      assertThat(((ConfigException) report).problems()).extracting(ConfigProblem::key)
          .containsExactly("listeners[0].backends[0].weight");
    }
  }

  @Test
  void reload_ignoresAnUnchangedFileAndReadsAChangedOne(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Recorder recorder = new Recorder();
    try (ConfigWatcher watcher = watching(file, recorder)) {
      watcher.reload();
      assertThat(recorder.reports).isEmpty();

      Files.writeString(file, String.format(CONFIG, 4));
      watcher.reload(); // what SIGHUP does; the file event may report it too, but only once
      assertThat(weightOf(recorder.next())).isEqualTo(4);
      watcher.reload();
      assertThat(recorder.reports.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void close_leavesNoThread(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, String.format(CONFIG, 1));
    ConfigWatcher watcher = new ConfigWatcher(file, new byte[0], new GatewayConfigParser(), new Recorder());

    watcher.close();

    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lb4j-config-watch"));
  }

  /** Writes the file with weight 1 and watches it, that content counting as applied. */
  private static ConfigWatcher watching(Path file, Recorder recorder) throws IOException {
    byte[] initial = String.format(CONFIG, 1).getBytes(StandardCharsets.UTF_8);
    Files.write(file, initial);
    return new ConfigWatcher(file, initial, new GatewayConfigParser(), recorder);
  }

  private static int weightOf(Object report) {
    assertThat(report).isInstanceOf(GatewayConfig.class);
    Backend a = ((GatewayConfig) report).listeners().get(0).backends().get(0);
    return a.weight();
  }
}
