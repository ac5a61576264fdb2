package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections on the first loop and hands each to the next loop in turn, which registers it on
 * its own thread. At most {@link #MAX_ACCEPTS_PER_WAKEUP} accepts per wake-up, so a connection storm
 * cannot starve the connections the accepting loop already serves.
 *
 * <p><b>Accept errors pause accepting.</b> When {@code accept} fails (the process is out of file
 * descriptors, {@code EMFILE}; the system, {@code ENFILE}; or out of buffers), the pending connection is
 * still in the kernel's queue and the server socket stays ready, so trying again at once would spin. As
 * Netty does, accepting stops ({@code OP_ACCEPT} off) for {@link #ACCEPT_ERROR_PAUSE_NANOS} (one second),
 * with one log line per pause, then resumes; meanwhile connections wait in the kernel's backlog.
 *
 * <p><b>Admission control.</b> A slot of the listener's {@link Admission} is taken before each
 * {@code accept}; at the listener's cap or its process budget, accepting stops the same way, until the
 * count that stopped it is back to its low-water mark (a closing connection wakes the acceptor on its
 * loop). HAProxy's {@code maxconn} behaves so: the kernel holds the surplus, nothing is refused.
 */
final class Acceptor extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
  private static final int MAX_ACCEPTS_PER_WAKEUP = 64;
  /** How long accepting pauses after {@code accept} failed. */
  static final long ACCEPT_ERROR_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ServerSocketChannel server;
  private final EventLoop[] loops;
  private final ChannelOpener opener;
  private final String listenerName;
  private final MetricsRecorder metrics;
  private final Admission admission;
  /** Posted to the first loop when a closing connection brings the count back to the low-water mark. */
  private final Runnable resumeAfterCap = this::resumeIfAdmitted;
  private SelectionKey key;
  private int next;
  /** Accepting paused after an accept error, until this acceptor's timer fires. */
  private boolean pausedOnError;
  /** Accepting paused at the connection cap, until {@link #resumeIfAdmitted()}. */
  private boolean pausedAtCap;

  Acceptor(String listenerName, ServerSocketChannel server, EventLoop[] loops, ChannelOpener opener,
      MetricsRecorder metrics, Admission admission) {
    this.listenerName = listenerName;
    this.server = server;
    this.loops = loops;
    this.opener = opener;
    this.metrics = metrics;
    this.admission = admission;
    admission.onWake(() -> loops[0].execute(resumeAfterCap));
  }

  /** Registers with the first loop; runs on that loop. */
  void register() throws IOException {
    key = server.register(loops[0].selector(), SelectionKey.OP_ACCEPT, this);
  }

  @Override
  void ready(SelectionKey k) {
    for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP && !pausedOnError && !pausedAtCap; i++) {
      if (!admission.tryAcquire()) {
        pauseAtCap();
        return;
      }
      SocketChannel c;
      try {
        c = server.accept();
      } catch (IOException e) {
        admission.cancel();
        pauseAfter(e);
        return;
      }
      if (c == null) {
        admission.cancel();
        return;
      }
      try {
        c.configureBlocking(false);
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      } catch (IOException e) {
        log.debug("listener {}: an accepted connection failed at once: {}", listenerName, e.toString());
        Sockets.closeQuietly(c);
        admission.release();
        continue;
      }
      EventLoop loop = loops[next];
      next = next + 1 == loops.length ? 0 : next + 1;
      try {
        loop.adopt(c, opener);
      } catch (Error e) {
        Sockets.closeQuietly(c); // accepted, never owned: close it before the loop fails
        throw e;
      }
    }
  }

  /** {@code accept} failed: stop accepting for a second (one log line), then try again. */
  private void pauseAfter(IOException e) {
    if (!server.isOpen()) {
      return; // closed by stop(): nothing to resume
    }
    pausedOnError = true;
    updateInterest();
    loops[0].schedule(this, System.nanoTime() + ACCEPT_ERROR_PAUSE_NANOS);
    metrics.acceptPaused();
    log.warn("listener {}: accept failed ({}); accepting paused for {}ms, connections wait in the backlog",
        listenerName, e.getMessage(), TimeUnit.NANOSECONDS.toMillis(ACCEPT_ERROR_PAUSE_NANOS));
  }

  /** At the listener's cap or its process budget: stop accepting until enough connections closed. */
  private void pauseAtCap() {
    pausedAtCap = true;
    updateInterest();
    metrics.admissionPaused();
    log.debug("listener {}: {} connections open, at the cap: accepting paused, connections wait in the backlog",
        listenerName, admission.open());
    if (admission.pause()) {
      resumeIfAdmitted(); // connections closed meanwhile
    }
  }

  /** On the first loop: resumes accepting once the count that paused it is back to its low-water mark. */
  private void resumeIfAdmitted() {
    if (pausedAtCap && admission.mayResume()) {
      pausedAtCap = false;
      admission.resumed();
      updateInterest();
    }
  }

  /** The pause after an accept error is over. */
  @Override
  void checkTimeouts(long nowNanos) {
    if (pausedOnError) {
      pausedOnError = false;
      updateInterest();
    }
  }

  private void updateInterest() {
    if (key != null && key.isValid()) {
      key.interestOps(pausedOnError || pausedAtCap ? 0 : SelectionKey.OP_ACCEPT);
    }
  }

  /** Stops accepting; on the first loop, or on any thread when the listener fails. */
  @Override
  void closeNow() {
    if (key != null) {
      key.cancel();
    }
    try {
      server.close();
    } catch (IOException e) {
      log.debug("listener {}: closing the server socket failed", listenerName, e);
    }
  }
}
