package io.lb4j.examples.gateway;

import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a gateway configuration file when it changes (written in place or replaced by rename, as
 * editors do) or on {@link #reload()} (the gateway calls it on SIGHUP), and hands the result to a
 * {@link Listener}: a valid configuration, or every problem of an invalid one, so the caller keeps running
 * with its current configuration and says why. A save that did not change the bytes is ignored, and a
 * burst of file events (an editor writes, truncates, renames) becomes one reload.
 *
 * <p>One daemon thread watches the file's folder; {@link #close()} stops and joins it. Callbacks run on
 * that thread, or on the thread that called {@link #reload()}, one at a time.
 */
final class ConfigWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
  /** Events closer together than this are one save. */
  private static final long SETTLE_MILLIS = 100;

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
  private final WatchService watchService;
  private final Thread thread;
  private byte[] lastContent;

  /**
   * Watches {@code file}; {@code current} is the content already applied, so only a different content
   * reloads.
   */
  ConfigWatcher(Path file, byte[] current, GatewayConfigParser parser, Listener listener) throws IOException {
    this.file = file.toAbsolutePath();
    this.parser = Objects.requireNonNull(parser, "parser");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.lastContent = current.clone();
    this.watchService = FileSystems.getDefault().newWatchService();
    this.file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY);
    this.thread = new Thread(this::watch, "lb4j-config-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** Reads the file now and reports it when its content changed since the last reload. */
  synchronized void reload() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      listener.onUnreadable(e);
      return;
    }
    if (Arrays.equals(content, lastContent)) {
      return;
    }
    lastContent = content;
    try {
      listener.onValid(parser.parse(file));
    } catch (ConfigException e) {
      listener.onInvalid(e);
    } catch (IOException e) {
      listener.onUnreadable(e);
    }
  }

  private void watch() {
    Path name = file.getFileName();
    try {
      while (true) {
        WatchKey key = watchService.take();
        boolean ours = drain(key, name);
        // Let the rest of the save arrive, then reload once.
        WatchKey more;
        while ((more = watchService.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
          ours |= drain(more, name);
        }
        if (ours) {
          reload();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // close() ends the loop.
    } catch (RuntimeException e) {
      log.warn("config watcher stopped: {}", e.toString(), e);
    }
  }

  private static boolean drain(WatchKey key, Path name) {
    boolean ours = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      ours |= event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(event.context());
    }
    key.reset();
    return ours;
  }

  /** Stops watching and joins the thread. */
  @Override
  public void close() {
    try {
      watchService.close();
    } catch (IOException e) {
      log.debug("closing the watch service: {}", e.toString());
    }
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
