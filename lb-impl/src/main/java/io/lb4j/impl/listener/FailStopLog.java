package io.lb4j.impl.listener;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one line a listener writes when an event loop fails, prepared when the listener starts so that it
 * can be written with no heap left: the bytes exist already and go straight to the stream (by default
 * the process's standard error, file descriptor 2, with no buffer or encoder between). After it, with
 * the loop's memory reserve dropped and its connections closed, the listener logs the error through
 * SLF4J as usual, when that can allocate again.
 *
 * <p>Thread-safe: the lines are never modified; writes are single calls on the stream.
 */
final class FailStopLog {
  private static final OutputStream STDERR = new FileOutputStream(FileDescriptor.err);

  private final OutputStream out;
  private final byte[] outOfMemory;
  private final byte[] otherError;

  FailStopLog(String listenerName, OutputStream out) {
    this.out = out != null ? out : STDERR;
    String prefix = "lb4j: listener " + listenerName + " FAILED: an event loop ";
    String suffix = "; the listener closed its connections and stopped accepting (state FAILED): restart the"
        + " process\n";
    this.outOfMemory = (prefix + "ran out of memory (OutOfMemoryError)" + suffix).getBytes(StandardCharsets.UTF_8);
    this.otherError = (prefix + "hit an Error" + suffix).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes the prepared line for {@code error}; never throws, allocates nothing on the Java heap. */
  void write(Error error) {
    try {
      out.write(error instanceof OutOfMemoryError ? outOfMemory : otherError);
      out.flush();
    } catch (Throwable ignored) {
      // Nothing else can be done here: the state still says FAILED, and the SLF4J line may follow.
    }
  }
}
