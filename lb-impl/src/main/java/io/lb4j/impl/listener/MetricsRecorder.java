package io.lb4j.impl.listener;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link ListenerMetrics}, written by every event loop. {@link LongAdder} spreads
 * contended increments over cells, so loops never wait on each other; after its first contention an adder
 * allocates nothing, which keeps the per-request path allocation-free.
 */
final class MetricsRecorder {
  /** Response-time buckets: bucket {@code i} holds durations in [2^i, 2^(i+1)) microseconds. */
  static final int BUCKETS = 32;

  private final LongAdder connectionsTotal = new LongAdder();
  private final AtomicLong connectionsActive = new AtomicLong();
  private final LongAdder[] responsesByClass = adders(5);
  private final LongAdder[] failures = adders(FailureCause.values().length);
  private final LongAdder retries = new LongAdder();
  private final LongAdder acceptPauses = new LongAdder();
  private final LongAdder backendConnectionsOpened = new LongAdder();
  private final LongAdder admissionPauses = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder[] responseTimes = adders(BUCKETS);
  private final AtomicLong bufferBytes = new AtomicLong();
  /** Write calls made by Layer-7 connections, towards clients and towards backends (tests read them). */
  private final LongAdder clientWriteCalls = new LongAdder();
  private final LongAdder backendWriteCalls = new LongAdder();
  private final LongAdder http2Connections = new LongAdder();
  private final LongAdder http2Streams = new LongAdder();
  private final LongAdder http2StreamResets = new LongAdder();
  private final LongAdder http2GoAways = new LongAdder();
  private final LongAdder http2FloodRefusals = new LongAdder();

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  void connectionOpened() {
    connectionsTotal.increment();
    connectionsActive.incrementAndGet();
  }

  void connectionClosed() {
    connectionsActive.decrementAndGet();
  }

  long activeConnections() {
    return connectionsActive.get();
  }

  /** A response sent to a client with {@code status}, {@code nanos} after its request began. */
  void response(int status, long nanos) {
    int statusClass = status / 100;
    if (statusClass >= 1 && statusClass <= 5) {
      responsesByClass[statusClass - 1].increment();
    }
    responseTimes[bucket(nanos)].increment();
  }

  static int bucket(long nanos) {
    long micros = Math.max(1, nanos / 1000);
    return Math.min(BUCKETS - 1, 63 - Long.numberOfLeadingZeros(micros));
  }

  void failure(FailureCause cause) {
    failures[cause.ordinal()].increment();
  }

  void retry() {
    retries.increment();
  }

  void backendConnectionOpened() {
    backendConnectionsOpened.increment();
  }

  void admissionPaused() {
    admissionPauses.increment();
  }

  void acceptPaused() {
    acceptPauses.increment();
  }

  void bytesIn(long n) {
    bytesIn.add(n);
  }

  void bytesOut(long n) {
    bytesOut.add(n);
  }

  void clientWriteCall() {
    clientWriteCalls.increment();
  }

  void backendWriteCall() {
    backendWriteCalls.increment();
  }

  long clientWriteCalls() {
    return clientWriteCalls.sum();
  }

  long backendWriteCalls() {
    return backendWriteCalls.sum();
  }

  void http2Connection() {
    http2Connections.increment();
  }

  void http2Stream() {
    http2Streams.increment();
  }

  void http2StreamReset() {
    http2StreamResets.increment();
  }

  void http2GoAway() {
    http2GoAways.increment();
  }

  void http2FloodRefusal() {
    http2FloodRefusals.increment();
  }

  void bufferAllocated(int bytes) {
    bufferBytes.addAndGet(bytes);
  }

  ListenerMetrics snapshot() {
    long[] classes = new long[responsesByClass.length];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = responsesByClass[i].sum();
    }
    long[] byCause = new long[failures.length];
    for (int i = 0; i < byCause.length; i++) {
      byCause[i] = failures[i].sum();
    }
    long[] times = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      times[i] = responseTimes[i].sum();
    }
    return new ListenerMetrics(connectionsActive.get(), connectionsTotal.sum(), classes, byCause,
        retries.sum(), bytesIn.sum(), bytesOut.sum(), times, bufferBytes.get(), acceptPauses.sum(),
        backendConnectionsOpened.sum(), admissionPauses.sum(), new ListenerMetrics.Http2(http2Connections.sum(),
        http2Streams.sum(), http2StreamResets.sum(), http2GoAways.sum(), http2FloodRefusals.sum()));
  }
}
