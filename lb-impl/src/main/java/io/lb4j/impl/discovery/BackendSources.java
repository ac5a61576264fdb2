package io.lb4j.impl.discovery;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Factories for the backend sources that need nothing beyond the JDK.
 *
 * <p>Thread-safe (stateless). Each call returns a new source for one pool.
 *
 * @since 0.1.0
 */
public final class BackendSources {

  private BackendSources() {}

  /**
   * A source that delivers {@code backends} once, when its pool starts, and never fails: the same as
   * fixed backends on the builder, for code that treats every pool as fed by a source.
   */
  public static BackendSource fixed(Collection<Backend> backends) {
    return new FixedBackendSource(List.copyOf(Objects.requireNonNull(backends, "backends")));
  }

  /**
   * A source that reads backends from a text file and reads it again whenever it changes. One backend a line,
   * {@code id host:port [weight]}, IPv6 hosts in brackets, {@code #} starts a comment:
   *
   * <pre>
   * # id    address          weight
   * web-1   10.0.0.1:8080    100
   * web-2   [fd00::2]:8080   50
   * </pre>
   *
   * <p>A file that is missing or has an invalid line is an error: the pool keeps its last good list and
   * the error names the file, the line and what is wrong. Changes are seen through a {@link FileWatch}: edits
   * in place, replacement by rename, and Kubernetes ConfigMap updates (symlink swaps); a write is read once
   * it settled ({@link FileWatch#DEFAULT_SETTLE} without a further event), so a file written in two steps
   * quickly is not applied half-written. Replacing the file atomically (write another file in the same
   * folder, then rename it over this one) is still the safe way for a writer that pauses mid-file.
   */
  public static BackendSource file(Path file) {
    return file(file, FileWatch.DEFAULT_SETTLE);
  }

  /**
   * {@link #file(Path)} with another settle time: how long the file must see no further write before it is
   * read, 0-10s ({@code 0}: read at the first event).
   */
  public static BackendSource file(Path file, Duration settle) {
    checkRange("fileSource.settle", settle, Duration.ZERO, Duration.ofSeconds(10));
    return new FileBackendSource(Objects.requireNonNull(file, "file"), settle);
  }
}
