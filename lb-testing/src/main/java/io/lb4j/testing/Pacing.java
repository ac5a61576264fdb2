package io.lb4j.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** The waits faults are made of: a latency with jitter, bytes at a limited rate, bytes dribbled in chunks. */
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

  /** Waits {@code latency} plus a uniform random part of {@code jitter}; the wait is the injected fault. */
  static void delay(Duration latency, Duration jitter) throws InterruptedException {
    long nanos = latency.toNanos();
    if (!jitter.isZero()) {
      nanos += ThreadLocalRandom.current().nextLong(jitter.toNanos() + 1);
    }
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  /** Writes {@code len} bytes of {@code data} from {@code off}, {@code chunk} bytes at a time after a pause each. */
  static void dribble(OutputStream out, byte[] data, int off, int len, int chunk, Duration pause)
      throws IOException, InterruptedException {
    for (int at = off; at < off + len; at += chunk) {
      TimeUnit.NANOSECONDS.sleep(pause.toNanos());
      out.write(data, at, Math.min(chunk, off + len - at));
      out.flush();
    }
  }
}
