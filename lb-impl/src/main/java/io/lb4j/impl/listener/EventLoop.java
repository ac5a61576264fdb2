package io.lb4j.impl.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread with its selector, Netty's model: the loop owns the channels registered with it
 * for their whole life, so per-connection state needs no lock; other threads hand work in through
 * {@link #execute}. Deadlines are {@link LoopTimer}s in one {@link TimerQueue} per loop: the loop sleeps
 * in {@code select} until the earliest armed deadline, so idle connections cost nothing until their own
 * deadline (no periodic scan of the loop's keys).
 *
 * <p><b>Fail-stop.</b> A {@link RuntimeException} that escapes a handler is logged and the loop goes on.
 * An {@link Error} (an {@code OutOfMemoryError}, a {@code StackOverflowError}) means the loop's state can
 * no longer be trusted: the loop drops its memory reserve, writes its listener's prepared line
 * ({@link FailStopLog}, no allocation), tells the listener (which stops accepting, stops its other loops
 * and reports {@code FAILED}), closes every channel it holds and ends. It never keeps running half
 * alive, and never dies leaving channels open.
 *
 * <p>Nothing on this thread blocks: connects are non-blocking, and a backend host is resolved once.
 */
final class EventLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  /** Heap held by each loop and dropped when it fails, so that closing its connections can allocate. */
  static final int MEMORY_RESERVE_BYTES = 64 * 1024;

  /** What the loop tells its listener when it fails. */
  interface FailureListener {
    /**
     * The loop hit {@code error} and is about to close what it holds: stop accepting and stop the other
     * loops. Called on the failing loop's thread; must not block and should not allocate.
     */
    void loopFailing(EventLoop loop, Error error);

    /** The loop closed every channel it held and is ending (its thread). Log and notify here. */
    void loopFailed(EventLoop loop, Error error);
  }

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final BufferPool buffers;
  private final FailureListener failureListener;
  private final FailStopLog failStopLog;
  private BackendConnectionPool backendPool;
  private final TlsBuffers tlsBuffers = new TlsBuffers();
  private ExchangeCodec.Pool exchangeCodecs;
  private LoopHttp2 http2;
  private final TimerQueue timers = new TimerQueue();
  private final TurnEnds turnEnds = new TurnEnds();
  /** Channels whose keys were cancelled, closed once the next select has deregistered them. */
  private final ArrayDeque<SocketChannel> closeAfterSelect = new ArrayDeque<>();
  /** Runs a ready channel's handler; one instance, so a select allocates nothing. */
  private final Consumer<SelectionKey> dispatch = this::dispatch;
  /** Whether the current turn was counted in {@link #turns} (at its first handler, or after its select). */
  private boolean turnCounted;
  private volatile boolean stopRequested;
  /** Set once the loop starts closing: a channel handed to it from then on is closed, not opened. */
  private volatile boolean closing;
  /** Set once the loop thread has closed everything: tasks queued later are discarded by their sender. */
  private volatile boolean terminated;
  /** Dropped on failure (see the class comment); never read. */
  @SuppressWarnings("unused")
  private byte[] memoryReserve = new byte[MEMORY_RESERVE_BYTES];
  /** Wake-ups of the loop (returns from select), for tests: an idle loop must not wake up. */
  private final AtomicLong turns = new AtomicLong();

  EventLoop(String name, BufferPool buffers, FailureListener failureListener, FailStopLog failStopLog) {
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for " + name, e);
    }
    this.buffers = buffers;
    this.failureListener = failureListener;
    this.failStopLog = failStopLog;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Selector selector() {
    return selector;
  }

  BufferPool buffers() {
    return buffers;
  }

  /** This loop's idle Layer-7 backend connections (set before the loop starts; loop thread only after). */
  BackendConnectionPool backendPool() {
    return backendPool;
  }

  void backendPool(BackendConnectionPool pool) {
    this.backendPool = pool;
  }

  /** This loop's free Layer-7 codec state (set before the loop starts; loop thread only after). */
  ExchangeCodec.Pool exchangeCodecs() {
    return exchangeCodecs;
  }

  void exchangeCodecs(ExchangeCodec.Pool pool) {
    this.exchangeCodecs = pool;
  }

  /** What this loop's HTTP/2 connections share (made at first use; loop thread only after start). */
  LoopHttp2 http2() {
    if (http2 == null) {
      http2 = new LoopHttp2(buffers);
    }
    return http2;
  }

  /** Calls {@code t} once the current turn's events are handled; loop thread only. */
  void atTurnEnd(TurnEnds.TurnEnd t) {
    turnEnds.add(t);
  }

  /**
   * Closes {@code channel}, whose key on this loop was just cancelled, once the loop's next select has
   * deregistered that key; the next select then does not wait. Loop thread only.
   *
   * <p>Why: the JDK closes a channel that is still registered with a selector in two steps, a
   * {@code getsockopt(SO_LINGER)} and a {@code shutdown} now and the real {@code close} at deregistration;
   * a deregistered channel closes in one system call. With a connection per request, that is four system
   * calls fewer per Layer-4 connection. The peer sees the end (a FIN, or a reset after {@code SO_LINGER}
   * 0) one loop turn later, microseconds.
   */
  void closeAfterSelect(SocketChannel channel) {
    closeAfterSelect.add(channel);
  }

  /** This loop's pooled TLS buffers (loop thread only). */
  TlsBuffers tlsBuffers() {
    return tlsBuffers;
  }

  Thread thread() {
    return thread;
  }

  /** True once the loop closes its channels (stopped or failed): no new backend connection is opened. */
  boolean isClosing() {
    return closing;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on this loop's thread, soon; safe from any thread. */
  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (terminated) {
      discardTasks(); // the loop is gone: nothing would run it (an accepted channel is closed instead)
      return;
    }
    if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /**
   * Hands an accepted {@code channel} to this loop: {@code opener} opens it on the loop's thread, or
   * discards it when the loop is closing (stopped or failed), so no accepted channel is left unowned.
   */
  void adopt(SocketChannel channel, ChannelOpener opener) {
    HandOff handOff = new HandOff(this, channel, opener);
    if (inLoop()) {
      handOff.run();
    } else {
      execute(handOff);
    }
  }

  /** Arms {@code timer} at {@code deadlineNanos} (moves it when armed). Loop thread only. */
  void schedule(LoopTimer timer, long deadlineNanos) {
    timers.schedule(timer, deadlineNanos);
  }

  /**
   * Arms {@code timer} at {@code deadlineNanos} unless it is armed at that time or earlier already: the
   * lazy model's call after each event (a later deadline is found when the armed one fires). Loop thread
   * only.
   */
  void armBy(LoopTimer timer, long deadlineNanos) {
    timers.scheduleNoLaterThan(timer, deadlineNanos);
  }

  /** Disarms {@code timer}. Loop thread only. */
  void cancel(LoopTimer timer) {
    timers.cancel(timer);
  }

  /** How many times the loop woke up since it started (any thread; tests). */
  long turns() {
    return turns.get();
  }

  /** Armed timers (tests). Loop thread only. */
  int armedTimers() {
    return timers.size();
  }

  /**
   * Runs every handler's {@link LoopTimer#checkTimeouts} now, whatever its deadline: a listener that
   * starts draining closes its idle connections at once. Once per stop, so its scan of the keys is fine.
   */
  void checkAllNow() {
    long now = System.nanoTime();
    for (SelectionKey key : selector.keys().toArray(new SelectionKey[0])) {
      Object a = key.attachment();
      if (key.isValid() && a instanceof IoHandler) {
        IoHandler h = (IoHandler) a;
        timers.cancel(h);
        h.checkTimeouts(now);
      }
    }
  }

  /** Asks the loop to close all its channels and end; {@link #awaitStopped} waits for it. Any thread. */
  void stop() {
    stopRequested = true;
    selector.wakeup();
  }

  boolean awaitStopped(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  private void run() {
    Error failure = null;
    while (!stopRequested) {
      try {
        turn();
      } catch (Error e) {
        failure = e;
        break;
      } catch (Throwable t) {
        // A bug outside any connection's own handling: the loop's state is intact, so it keeps running.
        try {
          log.error("event loop {} caught an unexpected exception; it keeps running", thread.getName(), t);
        } catch (Error e) {
          failure = e; // logging itself failed (no memory): as bad as the error it reports
          break;
        }
      }
    }
    if (failure != null) {
      failStop(failure);
    } else {
      closeAll();
    }
  }

  private void turn() throws IOException {
    // Channels queued before this select are deregistered by it; those queued by the handlers it runs wait
    // for the next one.
    int closable = closeAfterSelect.size();
    turnCounted = false;
    // The handlers run from inside select (the JDK's select-with-action): no selected-key set to fill, walk
    // and empty, which saves a hash-set insert, an iterator step and a remove per ready channel.
    if (!tasks.isEmpty() || !turnEnds.isEmpty() || closable > 0) {
      selector.selectNow(dispatch);
    } else if (timers.size() == 0) {
      selector.select(dispatch); // nothing armed: sleep until I/O or a task
    } else {
      long wait = timers.earliestDeadline() - System.nanoTime();
      if (wait <= 0) {
        selector.selectNow(dispatch);
      } else {
        // Rounded up to whole milliseconds, so the loop never wakes just before a deadline and spins.
        selector.select(dispatch, (wait + 999_999) / 1_000_000);
      }
    }
    wakeupPending.set(false);
    countTurn(); // a wake-up with no ready channel (a task, a timer) counts here
    closeDeregistered(closable);
    runTurnEnds();
    runTasks();
    if (timers.size() > 0) {
      timers.runExpired(System.nanoTime());
    }
    runTurnEnds();
  }

  private void runTurnEnds() {
    if (!turnEnds.isEmpty()) {
      turnEnds.run(thread.getName());
    }
  }

  /**
   * Fail-stop, in the order that works with no heap left: drop the reserve (the GC then has room for what
   * follows), write the prepared line, let the listener stop accepting and stop the other loops, close
   * every channel held here, then let the listener log and notify.
   */
  private void failStop(Error error) {
    memoryReserve = null;
    stopRequested = true;
    closing = true;
    failStopLog.write(error);
    try {
      failureListener.loopFailing(this, error);
    } catch (Throwable ignored) {
      // still close what this loop holds below
    }
    closeAll();
    try {
      failureListener.loopFailed(this, error);
    } catch (Throwable ignored) {
      // the prepared line and the FAILED state already tell
    }
  }

  /**
   * Counts this turn once, before its first handler runs: a handler's effect (a reply written) is then never
   * seen before the turn that made it is counted (tests compare the count before and after a quiet time).
   */
  private void countTurn() {
    if (!turnCounted) {
      turnCounted = true;
      turns.lazySet(turns.get() + 1); // written by this thread only: an ordered store is enough
    }
  }

  /** A ready channel's handler, run by the selector during select. */
  private void dispatch(SelectionKey key) {
    countTurn();
    if (key.isValid()) {
      ((IoHandler) key.attachment()).ready(key);
    }
  }

  /** Closes the first {@code count} queued channels, whose cancelled keys a select has deregistered since. */
  private void closeDeregistered(int count) {
    for (int i = 0; i < count; i++) {
      Sockets.closeQuietly(closeAfterSelect.poll());
    }
  }

  private void runTasks() {
    // Bounded: tasks queued by these tasks wait for the next turn, so I/O is never starved.
    for (int n = tasks.size(); n > 0; n--) {
      Runnable task = tasks.poll();
      if (task == null) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("event loop {} task failed", thread.getName(), e);
      }
    }
  }

  /**
   * Closes every channel this loop holds, each on its own: a handler whose close fails (no memory, a bug)
   * gets its channel closed directly, and the next one is still closed. Iterates the key set in place (no
   * copy: the set changes only in {@code select}, which no longer runs), and detaches each handler once
   * closed, so that with no heap left each close makes room for the next. A pass interrupted by an
   * {@code OutOfMemoryError} (its iterator could not be made) is tried again; closing is idempotent.
   */
  private void closeAll() {
    closing = true;
    try {
      runTasks(); // accepted channels handed here are discarded now (closing), other tasks run
    } catch (Throwable e) {
      // an Error in a task while closing: the channels below are closed all the same
    }
    for (int pass = 0; pass < 3; pass++) {
      try {
        for (SelectionKey key : selector.keys()) {
          closeKey(key);
        }
        break;
      } catch (Throwable e) {
        // out of memory before any key could be visited: what was closed so far freed some, try again
      }
    }
    timers.clear();
    try {
      selector.close();
    } catch (Throwable e) {
      // the channels are closed; the selector's own descriptors go with the process at worst
    }
    try {
      closeDeregistered(closeAfterSelect.size()); // queued by the closes above, deregistered by its close
    } catch (Throwable e) {
      // out of memory while closing: the process is failing, its descriptors go with it
    }
    buffers.clear();
    terminated = true;
    discardTasks();
  }

  private static void closeKey(SelectionKey key) {
    Object a = key.attachment();
    try {
      if (a instanceof IoHandler) {
        ((IoHandler) a).closeNow();
      }
    } catch (Throwable e) {
      try {
        key.channel().close();
      } catch (Throwable ignored) {
        // the selector's close below deregisters it; nothing else can be done for this one
      }
    }
    key.attach(null); // the handler and what it holds become garbage now, not when the selector closes
  }

  /** Discards tasks that no loop will run: an accepted channel is closed and its slot given back. */
  private void discardTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      if (task instanceof HandOff) {
        ((HandOff) task).discard();
      }
    }
  }

  /** An accepted channel on its way to a loop. */
  private static final class HandOff implements Runnable {
    private final EventLoop loop;
    private final SocketChannel channel;
    private final ChannelOpener opener;

    HandOff(EventLoop loop, SocketChannel channel, ChannelOpener opener) {
      this.loop = loop;
      this.channel = channel;
      this.opener = opener;
    }

    @Override
    public void run() {
      if (loop.closing) {
        discard();
        return;
      }
      try {
        opener.open(loop, channel);
      } catch (Error e) {
        // Half-opened (out of memory while building the connection): never leave the socket open.
        Sockets.closeQuietly(channel);
        throw e;
      }
    }

    void discard() {
      opener.discard(channel);
    }
  }
}
