package io.lb4j.impl.discovery;

import static io.lb4j.api.internal.Checks.checkRange;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches files for changes and calls back once per settled change, the way configuration and backend files
 * change in practice:
 *
 * <ul>
 *   <li><b>Written in place, or replaced by rename</b> (editors, {@code mv}): events on the file's folder.
 *   <li><b>Swapped through symlinks</b>, as Kubernetes updates a mounted ConfigMap or Secret: the file is a link
 *       to {@code ..data/name}, and an update renames a new {@code ..data} link over the old one, so no event
 *       ever names the file. Any event in the file's folder counts, and the folder of the file's real path
 *       (following every link) is watched too, re-resolved after each change.
 *   <li><b>Written in several steps</b>: a change is reported once no event has arrived for {@code settle}
 *       (at most {@value #MAX_SETTLE_FACTOR} times {@code settle} after the first event, so a file written
 *       without pause is still reported), so a reader does not see the first half of a file.
 *   <li><b>Missed events</b> (overflow, file systems without notifications): every {@code poll} the real path,
 *       size, modification time and file key of each file are compared with the last ones seen.
 * </ul>
 *
 * <p>The callback may be called when nothing changed (an unrelated file in the folder changed): callers
 * compare what they read with what they have. It runs on the watch's one daemon thread, one call at a time;
 * whatever it throws, errors included, is logged and the watch goes on.
 *
 * <p>Thread-safe. {@link #close()} stops and joins the thread; the callback is not called after it returns.
 *
 * @since 0.1.0
 */
public final class FileWatch implements AutoCloseable {

  /** The default quiet time after the last event before a change is reported. */
  public static final Duration DEFAULT_SETTLE = Duration.ofMillis(200);
  /** The default interval of the metadata comparison that catches missed events. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);
  /** A change is reported at the latest this many settle times after its first event. */
  public static final int MAX_SETTLE_FACTOR = 20;

  private static final Logger log = LoggerFactory.getLogger(FileWatch.class);

  private final List<Path> files;
  private final long settleNanos;
  private final long pollNanos;
  private final Runnable onChange;
  private final WatchService service;
  private final Map<Path, WatchKey> keys = new HashMap<>();
  private final Thread thread;
  private List<Object> lastSeen;
  private volatile boolean closed;

  private FileWatch(List<Path> files, Duration settle, Duration poll, String threadName, Runnable onChange)
      throws IOException {
    this.files = files;
    this.settleNanos = settle.toNanos();
    this.pollNanos = poll.toNanos();
    this.onChange = onChange;
    this.service = FileSystems.getDefault().newWatchService();
    try {
      registerFolders();
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
    this.lastSeen = fingerprint();
    this.thread = new Thread(this::loop, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Starts watching {@code files} on a daemon thread named {@code threadName}.
   *
   * @param files the files (they need not exist yet; their folders must)
   * @param settle the quiet time after the last event before a change is reported, 0-10s
   * @param poll how often file metadata is compared to catch missed events, 100ms-1h
   * @param threadName the watch thread's name
   * @param onChange called after a change settled
   * @return the running watch
   * @throws IOException when a folder cannot be watched
   */
  public static FileWatch start(List<Path> files, Duration settle, Duration poll, String threadName,
      Runnable onChange) throws IOException {
    Objects.requireNonNull(files, "files");
    if (files.isEmpty()) {
      throw new IllegalArgumentException("fileWatch.files must name at least one file, was empty");
    }
    List<Path> absolute = new ArrayList<>();
    for (Path f : files) {
      absolute.add(Objects.requireNonNull(f, "fileWatch.files[]").toAbsolutePath().normalize());
    }
    checkRange("fileWatch.settle", settle, Duration.ZERO, Duration.ofSeconds(10));
    checkRange("fileWatch.poll", poll, Duration.ofMillis(100), Duration.ofHours(1));
    return new FileWatch(List.copyOf(absolute), settle, poll, Objects.requireNonNull(threadName, "threadName"),
        Objects.requireNonNull(onChange, "onChange"));
  }

  /** The folders to watch: each file's own, and the folder of its real path when a link leads elsewhere. */
  private Set<Path> folders() {
    Set<Path> folders = new LinkedHashSet<>();
    for (Path f : files) {
      folders.add(f.getParent());
      try {
        folders.add(f.toRealPath().getParent());
      } catch (IOException e) {
        // missing now (or a dangling link): its own folder is watched, and the poll notices when it appears
      }
    }
    return folders;
  }

  /** Registers new folders and cancels keys of folders no longer on any file's path (old ConfigMap versions). */
  private void registerFolders() throws IOException {
    Set<Path> wanted = folders();
    for (Path folder : wanted) {
      if (!keys.containsKey(folder)) {
        keys.put(folder, folder.register(service, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
      }
    }
    keys.entrySet().removeIf(entry -> {
      if (!wanted.contains(entry.getKey())) {
        entry.getValue().cancel();
        return true;
      }
      return false;
    });
  }

  /** Real path, size, modification time and file key of every file (or "missing"). */
  private List<Object> fingerprint() {
    List<Object> prints = new ArrayList<>();
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        prints.add(List.of(f.toRealPath(), a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey())));
      } catch (IOException e) {
        prints.add("missing");
      }
    }
    return prints;
  }

  private void loop() {
    while (!closed) {
      try {
        WatchKey key = service.poll(pollNanos, TimeUnit.NANOSECONDS);
        if (key == null) {
          if (!fingerprint().equals(lastSeen)) {
            changed(); // a change no event told of
          }
          continue;
        }
        drain(key);
        // Let the rest of the write arrive: report once the folder is quiet for settle, or after the cap.
        long first = System.nanoTime();
        WatchKey more;
        while (System.nanoTime() - first < settleNanos * MAX_SETTLE_FACTOR
            && (more = service.poll(settleNanos, TimeUnit.NANOSECONDS)) != null) {
          drain(more);
        }
        changed();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return; // close()
      } catch (Throwable e) { // the watch must outlive any callback or file-system surprise
        if (closed) {
          return;
        }
        log.warn("watch of {}: {}; watching goes on", files, e.toString(), e);
      }
    }
  }

  private void changed() throws IOException {
    registerFolders(); // a symlink swap may have moved the real file to another folder
    lastSeen = fingerprint();
    if (!closed) {
      onChange.run();
    }
  }

  private static void drain(WatchKey key) {
    key.pollEvents(); // any event counts: a symlink swap never names the file
    key.reset();
  }

  /** Stops watching and joins the thread (up to 10 s). */
  @Override
  public void close() {
    closed = true;
    try {
      service.close();
    } catch (IOException e) {
      log.debug("closing the watch of {}: {}", files, e.toString());
    }
    if (Thread.currentThread() != thread) { // from its own callback: the loop ends when the callback returns
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The watched files, for messages. */
  @Override
  public String toString() {
    return "FileWatch" + files;
  }
}
