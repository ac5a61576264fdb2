package io.lb4j.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** Writes bytes at a limited rate, in slices of a twentieth of a second's worth, for the bandwidth faults. */
final class Pacing {

  private Pacing() {}

  /** Writes {@code data} at no more than {@code bytesPerSecond}; the pauses are the fault itself. */
  static void write(OutputStream out, byte[] data, long bytesPerSecond) throws IOException, InterruptedException {
    int slice = (int) Math.max(1, Math.min(64 * 1024, bytesPerSecond / 20));
    long start = System.nanoTime();
    for (int off = 0; off < data.length; off += slice) {
      int n = Math.min(slice, data.length - off);
      out.write(data, off, n);
      out.flush();
      long due = start + (long) ((off + n) * 1e9 / bytesPerSecond);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
  }
}
