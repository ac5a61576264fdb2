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
import java.util.List;
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
  void survivesAnyThrowable_aTenThousandDeepFileAndAListenerThatThrowsAnError_laterSavesStillApply(
      @TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Recorder recorder = new Recorder();
    boolean[] thrown = {false};
    ConfigWatcher.Listener throwingOnce = new ConfigWatcher.Listener() {
      @Override
      public void onValid(GatewayConfig config) {
        if (!thrown[0]) {
          thrown[0] = true;
          throw new StackOverflowError("a listener's bug");
        }
        recorder.onValid(config);
      }

      @Override
      public void onInvalid(ConfigException problems) {
        recorder.onInvalid(problems);
      }

      @Override
      public void onUnreadable(IOException cause) {
        recorder.onUnreadable(cause);
      }
    };
    byte[] initial = String.format(CONFIG, 1).getBytes(StandardCharsets.UTF_8);
    Files.write(file, initial);
    GatewayConfigParser parser = new GatewayConfigParser();
    try (ConfigWatcher watcher = new ConfigWatcher(file, parser.parse(file), initial, parser, throwingOnce)) {
      Files.writeString(file, "listeners:\n  - name: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
      Object deep = recorder.next();
      assertThat(deep).isInstanceOf(ConfigException.class);
      assertThat(((ConfigException) deep).problems()).extracting(ConfigProblem::message)
          .containsExactly("lists and mappings are nested more than 32 deep");

      Files.writeString(file, String.format(CONFIG, 5)); // the listener throws an Error on this one
      Object failed = recorder.next();
      assertThat(failed).isInstanceOf(ConfigException.class);
      assertThat(((ConfigException) failed).problems().get(0).message()).contains("StackOverflowError");

      Files.writeString(file, String.format(CONFIG, 6));
      assertThat(weightOf(recorder.next())).isEqualTo(6);
      assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("lb4j-config-watch"));
    }
  }

  @Test
  void seesAKubernetesConfigMapUpdate(@TempDir Path folder) throws Exception {
    Path v1 = Files.createDirectory(folder.resolve("..2026_12_01_a"));
    Files.writeString(v1.resolve("gateway.yaml"), String.format(CONFIG, 1));
    Files.createSymbolicLink(folder.resolve("..data"), v1.getFileName());
    Path file = Files.createSymbolicLink(folder.resolve("gateway.yaml"), Path.of("..data/gateway.yaml"));
    Recorder recorder = new Recorder();
    GatewayConfigParser parser = new GatewayConfigParser();
    try (ConfigWatcher watcher = new ConfigWatcher(file, parser.parse(file), Files.readAllBytes(file), parser,
        recorder)) {
      Path v2 = Files.createDirectory(folder.resolve("..2026_12_01_b"));
      Files.writeString(v2.resolve("gateway.yaml"), String.format(CONFIG, 8));
      Path tmp = Files.createSymbolicLink(folder.resolve("..data_tmp"), v2.getFileName());
      Files.move(tmp, folder.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

      assertThat(weightOf(recorder.next())).isEqualTo(8);
    }
  }

  @Test
  void reloadsWhenOnlyTheCookieKeyFileChanges(@TempDir Path folder) throws Exception {
    String key1 = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    String key2 = java.util.Base64.getEncoder().encodeToString("another key of 32 bytes........!".getBytes(
        StandardCharsets.US_ASCII));
    Path keys = folder.resolve("cookie-keys");
    Files.writeString(keys, key1 + "\n");
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n"
        + "    sessionPersistence: {mode: insert-cookie, keyFile: cookie-keys}\n");
    Recorder recorder = new Recorder();
    GatewayConfigParser parser = new GatewayConfigParser();
    try (ConfigWatcher watcher = new ConfigWatcher(file, parser.parse(file), Files.readAllBytes(file), parser,
        recorder)) {
      Files.writeString(keys, key2 + "\n" + key1 + "\n"); // a new current key, the old one still accepted

      Object report = recorder.next();
      assertThat(report).isInstanceOf(GatewayConfig.class);
      assertThat(((GatewayConfig) report).listeners().get(0).cookieKeys().keys()).containsExactly(key2, key1);
    }
  }

  @Test
  void close_leavesNoThread(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, String.format(CONFIG, 1));
    ConfigWatcher watcher = new ConfigWatcher(file, new GatewayConfig(List.of()), new byte[0],
        new GatewayConfigParser(), new Recorder());

    watcher.close();

    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lb4j-config-watch"));
  }

  /** Writes the file with weight 1 and watches it, that content counting as applied. */
  private static ConfigWatcher watching(Path file, Recorder recorder) throws IOException, ConfigException {
    byte[] initial = String.format(CONFIG, 1).getBytes(StandardCharsets.UTF_8);
    Files.write(file, initial);
    GatewayConfigParser parser = new GatewayConfigParser();
    return new ConfigWatcher(file, parser.parse(file), initial, parser, recorder);
  }

  private static int weightOf(Object report) {
    assertThat(report).isInstanceOf(GatewayConfig.class);
    Backend a = ((GatewayConfig) report).listeners().get(0).backends().get(0);
    return a.weight();
  }
}
