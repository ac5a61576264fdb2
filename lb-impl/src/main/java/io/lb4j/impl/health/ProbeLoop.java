package io.lb4j.impl.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop of every {@link HealthChecker} of the process: a single daemon thread
 * ({@code lb4j-health-io}) that owns a {@link Selector}, a timer heap and every probe's socket, whatever
 * the number of pools. It starts with the first checker started and ends when the last one closes
 * ({@link #acquire}, {@link #release}). Each checker keeps its own cap on probes in flight, jitter and
 * counters ({@link ProbeGroup}), reached through each target's group.
 *
 * <p>Timers and I/O share the thread, the way Netty's event loops do: a probe is due, it is started
 * (non-blocking connect), its completion or timeout is handled, and the next probe of that backend is
 * put back on the heap. Nothing else touches a {@link Target}'s probe fields, so they need no
 * synchronisation. Other threads talk to the loop only through {@link #execute(Runnable)}.
 *
 * <p>Scheduling: every backend keeps an un-jittered cadence ({@link Target#base}) advanced by one
 * interval per probe, and each probe is delayed by a random 0..jitter on top, so probes/s equal the
 * configured rate exactly and backends never line up. A probe that overruns its interval (only
 * possible when the timeout exceeds the interval) is followed by a full interval of rest: a slow
 * backend delays only itself, is never probed twice at once, and the detection-latency bound
 * {@code timeout x threshold + interval x (threshold - 1)} holds.
 *
 * <p>Sockets are closed with {@code SO_LINGER 0}: the kernel sends RST and the probing side keeps no
 * TIME_WAIT entry, so thousands of probes a second do not exhaust ephemeral ports (the reference's
 * "insufficient client ports"; HAProxy's checks end with a reset too). The backend sees a reset instead
 * of a FIN: a TCP check sent no data, and an HTTP check has read the status line it needed, so nothing
 * is lost; the load harness counts 0 TIME_WAIT sockets at 5,000 probes/s.
 */
final class ProbeLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  private static final Object SHARED_LOCK = new Object();
  private static ProbeLoop shared;
  private static int users;

  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final TimerHeap heap = new TimerHeap();
  /** Groups with due probes waiting for a place; each at most once. */
  private final ArrayDeque<ProbeGroup> waitingGroups = new ArrayDeque<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(512);
  /** UDP checks' responses, read whole; allocated by the first UDP probe. */
  private ByteBuffer datagramBuffer;

  private volatile Selector selector;
  private Thread thread;
  private volatile boolean running;

  private ProbeLoop() {}

  /**
   * The process's probe loop, started if no checker uses it yet; every call is matched by
   * {@link #release}.
   *
   * @throws IOException when no selector can be opened
   */
  static ProbeLoop acquire() throws IOException {
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        ProbeLoop loop = new ProbeLoop();
        loop.start();
        shared = loop;
        users = 0; // the count is the current loop's: checkers of a loop that died do not count
      }
      users++;
      return shared;
    }
  }

  /** One checker fewer; the last one stops the thread (waiting for it unless called from it). */
  void release() {
    synchronized (SHARED_LOCK) {
      if (shared != this || --users > 0) {
        return;
      }
      shared = null;
    }
    shutdown();
  }

  /** Opens the selector and starts the thread. Called once. */
  private void start() throws IOException {
    selector = Selector.open();
    running = true;
    thread = new Thread(this, "lb4j-health-io");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the current thread is the loop's. */
  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Stops the thread and closes every socket; waits for the thread unless called from it. */
  private void shutdown() {
    running = false;
    Selector s = selector;
    if (s == null) {
      return;
    }
    s.wakeup();
    if (Thread.currentThread() != thread) {
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Runs {@code command} on the loop thread. */
  void execute(Runnable command) {
    commands.add(command);
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
  }

  @Override
  public void run() {
    try {
      while (running) {
        runCommands();
        fireTimers(System.nanoTime());
        startQueued();
        Target next = heap.peek();
        if (!commands.isEmpty()) {
          selector.selectNow(this::onSelectedGuarded);
        } else if (next == null) {
          selector.select(this::onSelectedGuarded);
        } else {
          long waitNanos = next.deadline - System.nanoTime();
          if (waitNanos <= 0) {
            selector.selectNow(this::onSelectedGuarded);
          } else {
            // select() takes milliseconds; round up so a timer never fires before its deadline.
            selector.select(this::onSelectedGuarded, (waitNanos + 999_999) / 1_000_000);
          }
        }
      }
    } catch (Throwable e) {
      // Only an Error (or a broken selector) gets here: every callback that runs foreign code (the
      // clock, listeners, the outlier detector, the random generator, logging) is guarded below.
      log.error("health check loop stopped by an unexpected error; backends keep their last status, and "
          + "checkers started from now on get a new loop", e);
    } finally {
      running = false;
      synchronized (SHARED_LOCK) {
        if (shared == this) {
          shared = null; // a dead loop is never handed out again
        }
      }
      closeEverything();
    }
  }

  /** Whether the loop still runs commands (false once stopped, or killed by an unexpected error). */
  boolean alive() {
    return running && thread.isAlive();
  }

  private void runCommands() {
    Runnable c;
    while ((c = commands.poll()) != null) {
      try {
        c.run();
      } catch (RuntimeException e) {
        log.warn("health check command failed", e);
      }
    }
  }

  private void fireTimers(long now) {
    for (;;) {
      Target t = heap.peek();
      if (t == null || t.deadline - now > 0) {
        return;
      }
      heap.poll();
      try {
        if (t.phase == Target.IN_FLIGHT) {
          finish(t, false, t.group.owner.view().timeoutCause);
        } else if (t.phase == Target.WAITING) {
          due(t, now);
        }
      } catch (RuntimeException e) {
        // One bad callback must not end the loop: that would stop every backend's checks for good
        // while the checker still looks started.
        log.warn("{}health check of backend {} failed unexpectedly", t.group.owner.logPrefix(), t.id, e);
        reschedule(t);
      }
    }
  }

  private void onSelectedGuarded(SelectionKey k) {
    try {
      onSelected(k);
    } catch (RuntimeException e) {
      Target t = (Target) k.attachment();
      log.warn("{}health check of backend {} failed unexpectedly", t.group.owner.logPrefix(), t.id, e);
      reschedule(t);
    }
  }

  /**
   * After an unexpected exception: puts {@code t} back on the heap if it fell off it, so its checks go
   * on (plain interval, no jitter: the random generator may be what threw). An in-flight probe keeps
   * its timeout timer and ends through it.
   */
  private void reschedule(Target t) {
    PolicyView v = t.group.owner.view();
    if (t.phase == Target.WAITING && t.heapIndex < 0 && v.enabled) {
      t.base = System.nanoTime() + v.intervalNanos;
      t.due = t.base;
      heap.schedule(t, t.due);
    }
  }

  private void startQueued() {
    for (int n = waitingGroups.size(); n > 0; n--) {
      ProbeGroup g = waitingGroups.poll();
      while (g.inFlight < g.maxInFlight && !g.queued.isEmpty()) {
        Target t = g.queued.poll();
        if (t.phase == Target.QUEUED) {
          PolicyView v = g.owner.view();
          if (v.enabled) {
            startProbe(t, v);
          } else {
            t.phase = Target.WAITING;
          }
        }
      }
      if (!g.queued.isEmpty()) {
        waitingGroups.add(g);
      }
    }
  }

  // ---- commands (loop thread) ----

  /** Starts probing {@code t}: first probe at a random point within the first interval. */
  void add(Target t) {
    if (t.phase == Target.REMOVED) {
      return;
    }
    PolicyView v = t.group.owner.view();
    if (v.enabled) {
      scheduleFirst(t, v, System.nanoTime());
    }
  }

  /** Stops probing {@code t} at once, closing an in-flight probe. */
  void remove(Target t) {
    if (t.phase == Target.IN_FLIGHT) {
      abort(t);
    }
    heap.remove(t);
    t.phase = Target.REMOVED;
  }

  /**
   * Applies a new policy to one checker's targets: stops them all when disabled, else restarts each cadence
   * at random.
   */
  void policyChanged(ProbeGroup group, PolicyView v, Iterable<Target> targets) {
    long now = System.nanoTime();
    for (Target t : targets) {
      if (t.phase == Target.REMOVED) {
        continue;
      }
      if (!v.enabled) {
        if (t.phase == Target.IN_FLIGHT) {
          abort(t);
        }
        heap.remove(t);
        t.phase = Target.WAITING;
      } else if (t.phase == Target.WAITING) {
        scheduleFirst(t, v, now);
      }
    }
    if (!v.enabled) {
      group.queued.clear();
    }
  }

  /** Stops probing every target of a closing checker, closing their sockets. */
  void removeAll(ProbeGroup group, Iterable<Target> targets) {
    for (Target t : targets) {
      remove(t);
    }
    group.queued.clear();
  }

  // ---- scheduling ----

  private void scheduleFirst(Target t, PolicyView v, long now) {
    t.phase = Target.WAITING;
    // The random initial offset spreads a start or reload of thousands of backends over an interval.
    t.base = now + t.group.random.nextLong(v.intervalNanos);
    t.due = t.base;
    heap.schedule(t, t.due);
  }

  private void scheduleNext(Target t, PolicyView v, long now) {
    t.phase = Target.WAITING;
    long interval = v.intervalFor(t.state);
    long nextBase = t.base + interval;
    if (now - nextBase > 0) {
      nextBase = now + interval;
    }
    t.base = nextBase;
    // Jitter is a share of the interval in use, so edge-interval probes are not delayed by a share of
    // the (longer) normal interval.
    long jitterMax = interval / 100 * v.jitterPercent;
    t.due = nextBase + (jitterMax > 0 ? t.group.random.nextLong(jitterMax + 1) : 0);
    heap.schedule(t, t.due);
  }

  private void due(Target t, long now) {
    ProbeGroup g = t.group;
    PolicyView v = g.owner.view();
    if (!v.enabled) {
      return;
    }
    if (v.skipWhenTrafficSucceeds && t.state.isHealthy()) {
      long last = t.lastTrafficSuccess;
      if (last != 0 && now - last < v.intervalNanos) {
        g.stats.count(ProbeStats.SKIPPED);
        scheduleNext(t, v, now);
        return;
      }
    }
    if (g.inFlight >= g.maxInFlight) {
      g.stats.count(ProbeStats.DEFERRED);
      t.phase = Target.QUEUED;
      if (g.queued.isEmpty()) {
        waitingGroups.add(g);
      }
      g.queued.add(t);
      return;
    }
    startProbe(t, v);
  }

  // ---- probes ----

  private void startProbe(Target t, PolicyView v) {
    // Its own reading, not the batch's: fireTimers handles every due timer with one timestamp, and
    // a probe started late in a batch would under-report its lateness and time out early.
    long now = System.nanoTime();
    t.phase = Target.IN_FLIGHT;
    t.probeStart = now;
    t.headLength = 0;
    t.pendingWrite = null;
    t.group.inFlight++;
    t.group.stats.started(now - t.due);
    InetAddress address = t.address;
    if (address == null) {
      finish(t, false, "unresolved host " + t.backend.host());
      return;
    }
    int port = HealthChecker.checkPort(v, t);
    if (t.checkAddress == null || t.checkAddress.getPort() != port || t.checkAddress.getAddress() != address) {
      t.checkAddress = new InetSocketAddress(address, port);
    }
    heap.schedule(t, now + v.timeoutNanos);
    if (v.udp) {
      String failed = UdpProbe.start(t, v, selector);
      if (failed != null) {
        finish(t, false, failed);
      }
      return;
    }
    try {
      SocketChannel ch = SocketChannel.open();
      t.channel = ch;
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      if (ch.connect(t.checkAddress)) {
        connected(t, v);
      } else {
        t.key = ch.register(selector, SelectionKey.OP_CONNECT, t);
      }
    } catch (IOException e) {
      finish(t, false, ProbeCauses.connectCause(e));
    }
  }

  private void onSelected(SelectionKey k) {
    Target t = (Target) k.attachment();
    if (!k.isValid() || t.phase != Target.IN_FLIGHT || t.key != k) {
      return;
    }
    int ready = k.readyOps();
    PolicyView v = t.group.owner.view();
    if (t.datagram != null) {
      if (datagramBuffer == null) {
        datagramBuffer = ByteBuffer.allocateDirect(UdpProbe.MAX_RESPONSE);
      }
      String result = UdpProbe.read(t, v, datagramBuffer);
      if (result != null) {
        finish(t, result == ProbeCauses.OK, result);
      }
      return;
    }
    if ((ready & SelectionKey.OP_CONNECT) != 0) {
      try {
        if (!t.channel.finishConnect()) {
          return;
        }
      } catch (IOException e) {
        // A reset (not a refusal) means the SYN-ACK came back and the backend reset the connection
        // before we looked: the handshake completed, which is all a TCP check asks.
        boolean handshakeCompleted = !v.http && !(e instanceof ConnectException) && ProbeCauses.isReset(e);
        finish(t, handshakeCompleted, handshakeCompleted ? ProbeCauses.OK_RESET_AFTER_HANDSHAKE : ProbeCauses.connectCause(e));
        return;
      }
      connected(t, v);
    } else if ((ready & SelectionKey.OP_WRITE) != 0) {
      writeRequest(t);
    } else if ((ready & SelectionKey.OP_READ) != 0) {
      readStatus(t, v);
    }
  }

  private void connected(Target t, PolicyView v) {
    if (!v.http) {
      finish(t, true, ProbeCauses.OK);
      return;
    }
    if (t.requestFor != v) {
      t.request = t.group.owner.httpRequest(t, v);
      t.requestFor = v;
    }
    t.pendingWrite = ByteBuffer.wrap(t.request);
    writeRequest(t);
  }

  private void writeRequest(Target t) {
    try {
      t.channel.write(t.pendingWrite);
      int ops = t.pendingWrite.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
      if (t.key == null) {
        t.key = t.channel.register(selector, ops, t);
      } else {
        t.key.interestOps(ops);
      }
    } catch (IOException e) {
      finish(t, false, ProbeCauses.ioCause(e));
    }
  }

  private void readStatus(Target t, PolicyView v) {
    ByteBuffer buf = readBuffer;
    buf.clear();
    int n;
    try {
      n = t.channel.read(buf);
    } catch (IOException e) {
      finish(t, false, ProbeCauses.ioCause(e));
      return;
    }
    if (n < 0) {
      finish(t, false, ProbeCauses.CLOSED_BEFORE_STATUS);
      return;
    }
    buf.flip();
    if (t.head == null) {
      t.head = new byte[StatusLine.HEAD_BYTES];
    }
    while (buf.hasRemaining() && t.headLength < StatusLine.HEAD_BYTES) {
      t.head[t.headLength++] = buf.get();
    }
    int status = StatusLine.parse(t.head, t.headLength);
    if (status == StatusLine.NEED_MORE) {
      if (t.headLength < StatusLine.HEAD_BYTES) {
        return;
      }
      status = StatusLine.MALFORMED;
    }
    if (status == StatusLine.MALFORMED) {
      finish(t, false, ProbeCauses.INVALID_RESPONSE);
      return;
    }
    // Only the status line matters: close now, without reading the body or following redirects.
    finish(t, v.isNormal(status), v.statusCause(status));
  }

  private void finish(Target t, boolean success, String cause) {
    closeChannel(t);
    heap.remove(t);
    ProbeGroup g = t.group;
    g.inFlight--;
    long now = System.nanoTime();
    PolicyView v = g.owner.view();
    g.stats.count(success ? ProbeStats.SUCCEEDED : ProbeStats.FAILED);
    if (!v.enabled) {
      t.phase = Target.WAITING;
      return;
    }
    try {
      g.owner.onProbeResult(t, success, cause, now - t.probeStart);
    } catch (RuntimeException e) {
      // The state machine has applied the result before anything foreign (logging, the outlier
      // detector, the clock, listeners) runs, so at worst this result's log line, outlier notice or
      // transition event is lost; the backend's status and its next probe are not.
      log.warn("{}health check result of backend {} ({}) could not be fully applied", g.owner.logPrefix(), t.id,
          cause, e);
    }
    scheduleNext(t, v, now);
  }

  /** Ends an in-flight probe without a result (removal, checks disabled). */
  private void abort(Target t) {
    closeChannel(t);
    heap.remove(t);
    t.group.inFlight--;
    t.phase = Target.WAITING;
  }

  private static void closeChannel(Target t) {
    UdpProbe.close(t);
    SocketChannel ch = t.channel;
    if (ch != null) {
      t.channel = null;
      t.key = null;
      t.pendingWrite = null;
      try {
        ch.close();
      } catch (IOException ignored) {
        // The socket is gone either way; nothing to report.
      }
    }
  }

  private void closeEverything() {
    // Every in-flight probe is in the heap (keyed by its timeout), including one of a backend whose
    // removal command never ran, so walking the heap closes every socket.
    for (int i = 0; i < heap.size(); i++) {
      closeChannel(heap.get(i));
    }
    heap.clear();
    for (ProbeGroup g : waitingGroups) {
      g.queued.clear();
    }
    waitingGroups.clear();
    try {
      selector.close();
    } catch (IOException ignored) {
      // Closing: nothing to do.
    }
  }
}
