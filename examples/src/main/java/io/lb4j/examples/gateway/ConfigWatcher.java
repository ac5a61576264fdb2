package io.lb4j.examples.gateway;

import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.CookieKeys;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.impl.discovery.FileWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a gateway configuration file when it or a file it names for cookie keys changes (written in
 * place, replaced by rename as editors do, or swapped through symlinks as Kubernetes updates a mounted
 * ConfigMap or Secret: {@link FileWatch}), or on {@link #reload()} (the gateway calls it on SIGHUP), and
 * hands the result to a {@link Listener}: a valid configuration, or every problem of an invalid one, so the
 * caller keeps running with its current configuration and says why. A save that changed no byte of the file
 * and its key files is ignored; a burst of writes becomes one reload once the file was quiet for
 * {@link FileWatch#DEFAULT_SETTLE}.
 *
 * <p>Nothing a file contains can stop the watching: whatever a reload throws, errors included, is reported
 * as a problem of the file and the next save is read as usual.
 *
 * <p>One daemon thread ({@code lb4j-config-watch}) watches; {@link #close()} stops and joins it. Callbacks
 * run on that thread, or on the thread that called {@link #reload()}, one at a time.
 */
final class ConfigWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  /** What a reload found. */
  interface Listener {
    /** The file changed and is valid. */
    void onValid(GatewayConfig config);

    /** The file changed and is not valid: nothing of it may be applied. */
    void onInvalid(ConfigException problems);

    /** The file could not be read. */
    void onUnreadable(IOException cause);
  }

  private final Path file;
  private final GatewayConfigParser parser;
  private final Listener listener;
  private final Duration settle;
  private FileWatch watch;
  private Set<Path> keyFiles;
  private byte[] lastContent;
  private boolean closed;

  /**
   * Watches {@code file}; {@code current} is the configuration running now, read from {@code content}, so
   * only a different content (of the file or of a key file) reloads.
   */
  ConfigWatcher(Path file, GatewayConfig current, byte[] content, GatewayConfigParser parser, Listener listener)
      throws IOException {
    this(file, current, content, parser, listener, FileWatch.DEFAULT_SETTLE);
  }

  ConfigWatcher(Path file, GatewayConfig current, byte[] content, GatewayConfigParser parser, Listener listener,
      Duration settle) throws IOException {
    this.file = file.toAbsolutePath();
    this.parser = Objects.requireNonNull(parser, "parser");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.settle = settle;
    synchronized (this) {
      this.keyFiles = keyFiles(current);
      this.lastContent = fingerprint(content.clone(), keyFiles);
      this.watch = startWatch();
    }
  }

  private FileWatch startWatch() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(file);
    files.addAll(keyFiles);
    return FileWatch.start(files, settle, FileWatch.DEFAULT_POLL, "lb4j-config-watch", this::reload);
  }

  /** Reads the file now and reports it when its content or its key files changed since the last reload. */
  synchronized void reload() {
    if (closed) {
      return;
    }
    try {
      byte[] content;
      try {
        content = Files.readAllBytes(file);
      } catch (IOException e) {
        listener.onUnreadable(e);
        return;
      }
      if (Arrays.equals(fingerprint(content, keyFiles), lastContent)) {
        return;
      }
      GatewayConfig config;
      try {
        config = parser.parse(file.toString(), content, file.getParent());
      } catch (ConfigException e) {
        lastContent = fingerprint(content, keyFiles);
        listener.onInvalid(e);
        return;
      }
      Set<Path> newKeyFiles = keyFiles(config);
      lastContent = fingerprint(content, newKeyFiles);
      if (!newKeyFiles.equals(keyFiles)) {
        keyFiles = newKeyFiles;
        FileWatch old = watch;
        watch = startWatch();
        old.close();
      }
      listener.onValid(config);
    } catch (Throwable e) { // a file must never stop the watching (a parser bug, a StackOverflowError...)
      log.error("reloading {} failed; the running configuration is kept and the next save is read", file, e);
      try {
        listener.onInvalid(new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "",
            "the file could not be read (" + e + "); the next save is read again"))));
      } catch (Throwable again) {
        log.error("reporting the failed reload of {} failed too", file, again);
      }
    }
  }

  private static Set<Path> keyFiles(GatewayConfig config) {
    Set<Path> files = new LinkedHashSet<>();
    for (ListenerConfig l : config.listeners()) {
      CookieKeys keys = l.cookieKeys();
      if (keys != null) {
        files.add(keys.file().toAbsolutePath());
      }
    }
    return files;
  }

  /** The file's bytes followed by each key file's (so a rotated key alone reloads too). */
  private static byte[] fingerprint(byte[] content, Set<Path> keyFiles) {
    if (keyFiles.isEmpty()) {
      return content;
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(content);
    for (Path keyFile : keyFiles) {
      all.write(0);
      try {
        all.writeBytes(Files.readAllBytes(keyFile));
      } catch (IOException e) {
        all.writeBytes(("unreadable " + e.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return all.toByteArray();
  }

  /** Stops watching and joins the thread. */
  @Override
  public void close() {
    FileWatch w;
    synchronized (this) {
      closed = true;
      w = watch;
    }
    w.close();
  }
}
