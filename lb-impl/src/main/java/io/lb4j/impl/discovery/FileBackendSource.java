package io.lb4j.impl.discovery;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from a text file, read again when the file changes. A file-system watch on the file's
 * directory wakes one daemon thread ({@code lb4j-file-source}), which reads and parses the file and
 * delivers the list or the error; {@link #refresh()} reads it once more on the caller's thread.
 *
 * <p>Thread-safe: reads and deliveries are serialised on this object's monitor, so the subscriber sees
 * one call at a time and the last one describes the file as it is.
 */
final class FileBackendSource implements BackendSource {

  private static final Logger log = LoggerFactory.getLogger(FileBackendSource.class);

  private final Path file;
  private final Path directory;
  private Subscriber subscriber;
  private WatchService watcher;
  private Thread thread;
  private boolean started;
  private boolean closed;

  FileBackendSource(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.directory = Objects.requireNonNull(this.file.getParent(), "file must have a parent directory");
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
      watcher = directory.getFileSystem().newWatchService();
      directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException e) {
      subscriber.onError("cannot watch " + directory + ": " + e);
      closeWatcher();
    }
    if (watcher != null) {
      WatchService w = watcher;
      thread = new Thread(() -> watchLoop(w), "lb4j-file-source");
      thread.setDaemon(true);
      thread.start();
    }
    reload();
  }

  @Override
  public void refresh() {
    reload();
  }

  /** Reads, parses and delivers the file; does nothing once closed. */
  private synchronized void reload() {
    if (closed || subscriber == null) {
      return;
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      subscriber.onError(file + " does not exist");
      return;
    } catch (IOException e) {
      subscriber.onError("cannot read " + file + ": " + e);
      return;
    }
    List<Backend> backends;
    try {
      backends = BackendListParser.parse(file.getFileName().toString(), text);
    } catch (IllegalArgumentException e) {
      subscriber.onError(e.getMessage());
      return;
    }
    subscriber.onBackends(backends);
  }

  private void watchLoop(WatchService w) {
    try {
      while (true) {
        WatchKey key = w.take();
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
          // OVERFLOW has no context: events were lost, so the file may have changed.
          ours |= event.kind() == StandardWatchEventKinds.OVERFLOW || file.getFileName().equals(event.context());
        }
        if (ours) {
          reload();
        }
        if (!key.reset()) {
          reportDirectoryGone();
          return;
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: the loop ends
    } catch (RuntimeException e) {
      log.warn("{}: watch stopped", description(), e);
    }
  }

  private synchronized void reportDirectoryGone() {
    if (!closed) {
      subscriber.onError("directory " + directory + " is no longer watchable; refreshes still read the file");
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      started = true;
      t = thread;
      closeWatcher();
    }
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeWatcher() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        log.debug("{}: closing the watch failed", description(), e);
      }
      watcher = null;
    }
  }
}
