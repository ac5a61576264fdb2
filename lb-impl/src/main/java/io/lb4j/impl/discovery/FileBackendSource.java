package io.lb4j.impl.discovery;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from a text file, read again when it changes. A {@link FileWatch} (thread {@code lb4j-file-source})
 * notices edits in place, replacements by rename and Kubernetes-style symlink swaps, and lets a write settle
 * ({@link FileWatch#DEFAULT_SETTLE} without events) before the file is read, so a file written in two steps
 * is never applied half-written (which would drop backends and add them again, unchecked). A content that did
 * not change since the last delivery is not delivered again. {@link #refresh()} reads the file once more on
 * the caller's thread.
 *
 * <p>Thread-safe: reads and deliveries are serialised on this object's monitor, so the subscriber sees
 * one call at a time and the last one describes the file as it is.
 */
final class FileBackendSource implements BackendSource {

  private static final Logger log = LoggerFactory.getLogger(FileBackendSource.class);

  private final Path file;
  private final Duration settle;
  private Subscriber subscriber;
  private FileWatch watch;
  private String lastDelivered;
  private boolean started;
  private boolean closed;

  FileBackendSource(Path file, Duration settle) {
    this.file = file.toAbsolutePath().normalize();
    Objects.requireNonNull(this.file.getParent(), "file must have a parent directory");
    this.settle = settle;
  }

  @Override
  public String description() {
    return "file " + file;
  }

  @Override
  public synchronized void start(Subscriber subscriber) {
    if (started) {
      throw new IllegalStateException("source already started: " + description());
    }
    started = true;
    this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
    try {
      watch = FileWatch.start(List.of(file), settle, FileWatch.DEFAULT_POLL, "lb4j-file-source", this::onChange);
    } catch (IOException e) {
      subscriber.onError("cannot watch " + file.getParent() + ": " + e);
    }
    reload(false);
  }

  @Override
  public void refresh() {
    reload(false);
  }

  private void onChange() {
    reload(true);
  }

  /**
   * Reads, parses and delivers the file; does nothing once closed. From the watch ({@code onlyChanges}), a
   * content already delivered is skipped: an event about another file in the folder changes nothing.
   */
  private synchronized void reload(boolean onlyChanges) {
    if (closed || subscriber == null) {
      return;
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      lastDelivered = null;
      subscriber.onError(file + " does not exist");
      return;
    } catch (IOException e) {
      lastDelivered = null;
      subscriber.onError("cannot read " + file + ": " + e);
      return;
    }
    if (onlyChanges && text.equals(lastDelivered)) {
      return;
    }
    List<Backend> backends;
    try {
      backends = BackendListParser.parse(file.getFileName().toString(), text);
    } catch (IllegalArgumentException e) {
      lastDelivered = null;
      subscriber.onError(e.getMessage());
      return;
    }
    lastDelivered = text;
    subscriber.onBackends(backends);
  }

  @Override
  public void close() {
    FileWatch w;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      started = true;
      w = watch;
      watch = null;
    }
    if (w != null) {
      w.close(); // outside the monitor: the watch thread may be waiting for it in reload
    }
    log.debug("{}: closed", description());
  }
}
