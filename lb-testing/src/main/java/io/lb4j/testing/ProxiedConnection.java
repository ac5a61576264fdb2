package io.lb4j.testing;

import io.lb4j.testing.Toxic.Direction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection of a {@link FaultProxy} and its upstream connection: two pumps, one per direction, each
 * applying the proxy's current toxics of its direction to every chunk it forwards.
 *
 * <p>Each pump runs on its own thread; what they share (the toxicity draws, the timers started, the half-close
 * count) is concurrent. The sleeps below are the injected faults themselves.
 */
final class ProxiedConnection {

  private final FaultProxy proxy;
  private final Socket client;
  private final Socket server;
  /** Whether each toxic applies to this connection, drawn once against its toxicity (keyed by identity). */
  private final Map<Toxic, Boolean> draws = new ConcurrentHashMap<>();
  /** Timed toxics (reset, timeout) whose timer this connection already started. */
  private final Set<Toxic> timers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger endedDirections = new AtomicInteger();
  private final long[] sent = new long[2]; // per direction, written by that direction's pump only

  ProxiedConnection(FaultProxy proxy, Socket client, Socket server) {
    this.proxy = proxy;
    this.client = client;
    this.server = server;
  }

  void pump(Direction direction) {
    Socket from = direction == Direction.UPSTREAM ? client : server;
    Socket to = direction == Direction.UPSTREAM ? server : client;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (!forward(direction, buf, n, out)) {
          return;
        }
      }
      for (Toxic t : applying(direction)) {
        if (t.type() == Toxic.Type.SLOW_CLOSE) {
          TimeUnit.NANOSECONDS.sleep(t.delay().toNanos());
        }
      }
      to.shutdownOutput(); // pass the half close on
      if (endedDirections.incrementAndGet() == 2) {
        closeBoth();
      }
    } catch (IOException | InterruptedException e) {
      if (proxy.isRunning()) {
        resetBoth(); // a reset on one side is passed on to the other
      } else {
        closeBoth(); // disabled: connections are closed, as Toxiproxy drops them
      }
    }
  }

  /**
   * Starts the timers of the timed toxics (reset, timeout) that apply to this connection, once each; a reset without
   * delay resets at once. Called when the connection opens and when a toxic is added.
   */
  void arm() {
    for (Direction direction : Direction.values()) {
      for (Toxic t : applying(direction)) {
        if (t.type() == Toxic.Type.RESET_PEER) {
          if (t.delay().isZero()) {
            resetBoth();
          } else {
            startTimer(t, this::resetBoth);
          }
        } else if (t.type() == Toxic.Type.TIMEOUT && !t.delay().isZero()) {
          startTimer(t, this::closeBoth);
        }
      }
    }
  }

  /** Applies the toxics to one chunk; returns false once a toxic ended the connection. */
  private boolean forward(Direction direction, byte[] buf, int n, OutputStream out)
      throws IOException, InterruptedException {
    long delayNanos = 0;
    long rate = 0;
    long limit = Long.MAX_VALUE;
    Toxic slicer = null;
    boolean drop = false;
    for (Toxic t : applying(direction)) {
      switch (t.type()) {
        case RESET_PEER:
          if (t.delay().isZero()) {
            resetBoth();
            return false;
          }
          startTimer(t, this::resetBoth);
          break;
        case TIMEOUT:
          drop = true;
          if (!t.delay().isZero()) {
            startTimer(t, this::closeBoth);
          }
          break;
        case LATENCY:
          long jitter = t.jitter().toNanos();
          long random = jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
          delayNanos += Math.max(0, t.delay().toNanos() + random);
          break;
        case BANDWIDTH:
          rate = rate == 0 ? t.bytes() : Math.min(rate, t.bytes());
          break;
        case SLICER:
          slicer = t;
          break;
        case LIMIT_DATA:
          limit = Math.min(limit, t.bytes());
          break;
        default:
          break; // SLOW_CLOSE acts at the end of the stream
      }
    }
    if (drop) {
      return true;
    }
    if (delayNanos > 0) {
      TimeUnit.NANOSECONDS.sleep(delayNanos);
    }
    int index = direction.ordinal();
    long room = limit - sent[index];
    int allowed = (int) Math.max(0, Math.min(n, room));
    write(out, buf, allowed, slicer, rate);
    sent[index] += allowed;
    if (limit != Long.MAX_VALUE && sent[index] >= limit) {
      closeBoth();
      return false;
    }
    return true;
  }

  private static void write(OutputStream out, byte[] buf, int n, Toxic slicer, long rate)
      throws IOException, InterruptedException {
    if (slicer == null) {
      writePaced(out, buf, 0, n, rate);
      return;
    }
    for (int off = 0; off < n; ) {
      long size = slicer.bytes() + (slicer.variation() == 0 ? 0
          : ThreadLocalRandom.current().nextLong(-slicer.variation(), slicer.variation() + 1));
      int len = (int) Math.min(n - off, Math.max(1, size));
      if (off > 0) {
        TimeUnit.NANOSECONDS.sleep(slicer.delay().toNanos());
      }
      writePaced(out, buf, off, len, rate);
      off += len;
    }
  }

  private static void writePaced(OutputStream out, byte[] buf, int off, int len, long rate)
      throws IOException, InterruptedException {
    if (rate > 0) {
      Pacing.write(out, Arrays.copyOfRange(buf, off, off + len), rate);
    } else {
      out.write(buf, off, len);
      out.flush();
    }
  }

  /** The proxy's toxics of this direction that apply to this connection. */
  private Iterable<Toxic> applying(Direction direction) {
    List<Toxic> out = new ArrayList<>(2);
    for (Toxic t : proxy.toxics()) {
      if (t.direction() == direction && draws.computeIfAbsent(t, x -> draw(x.toxicity()))) {
        out.add(t);
      }
    }
    return out;
  }

  private static boolean draw(double toxicity) {
    return toxicity >= 1.0 || ThreadLocalRandom.current().nextDouble() < toxicity;
  }

  private void startTimer(Toxic t, Runnable action) {
    if (!timers.add(t)) {
      return;
    }
    proxy.startThread("timer-" + client.getPort(), () -> {
      try {
        TimeUnit.NANOSECONDS.sleep(t.delay().toNanos());
        action.run();
      } catch (InterruptedException stopping) {
        // the proxy is stopping and closes the connection itself
      }
    });
  }

  private void closeBoth() {
    LoopbackServer.closeQuietly(client);
    LoopbackServer.closeQuietly(server);
    proxy.untrack(server);
  }

  private void resetBoth() {
    LoopbackServer.reset(client);
    LoopbackServer.reset(server);
    proxy.untrack(server);
  }
}
