package io.lb4j.impl.listener;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a backend stream for one {@link Http2StreamRelay}: selects a backend through the pool (never one the
 * request already tried), and a connection to it from its loop's {@link Http2BackendPool}: one that takes a
 * stream now ({@link Result#READY}), or a starting one to wait on ({@link Result#WAITING}: the connection
 * calls the relay back). A connect that fails is reported and the next backend tried, up to
 * {@code maxConnectAttempts}; a backend that refused the request (unprocessed) may be selected once more.
 * Each step returns what happened; the relay decides what follows. Loop thread only; reused per stream.
 */
final class Http2BackendDialer {

  /** What a step came to. */
  enum Result {
    /** A connection takes the stream now: {@link #connection()}. */
    READY,
    /** The relay waits on a starting connection, which calls it back. */
    WAITING,
    /** Nothing can serve the request: {@link #failure()} and {@link #failureReason()}. */
    FAILED
  }

  private final Http2BackendPool pool;
  private final ProxyContext ctx;
  private final Http2StreamRelay relay;
  private final List<String> tried = new ArrayList<>(2);
  private RequestContext selectBy;
  /** The request's group (the listener's default group): held from the first select until the response. */
  private GroupPool group;
  /** The pool of the request's group, kept after the group is let go: outcomes are reported to it. */
  private LoadBalancer selectFrom;
  private Selection selection;
  private InetSocketAddress address;
  private Http2BackendConnection ready;
  /** The starting connection the relay waits on, or null. */
  private Http2BackendConnection waitingOn;
  private int attempts;
  private boolean sameBackendRetried;
  private long attemptStart;
  private FailureCause failure;
  private String failureReason;
  private Object backendName;

  Http2BackendDialer(Http2BackendPool pool, Http2StreamRelay relay) {
    this.pool = pool;
    this.ctx = pool.http.proxy;
    this.relay = relay;
  }

  /** A new request, selected by {@code selectBy}. */
  void start(RequestContext selectBy) {
    letGroupGo();
    selectFrom = null;
    this.selectBy = selectBy;
    tried.clear();
    attempts = 0;
    sameBackendRetried = false;
    selection = null;
    ready = null;
    waitingOn = null;
    failure = null;
    failureReason = null;
    backendName = null;
  }

  /** Selects the next backend and finds the request a connection to it. */
  Result dial() {
    if (group == null) {
      // Relayed streams go to the default group (RoutingChecks refuses rules with h2c backends). Read here, in
      // the loop task that also selects, so that a routing change's loop barrier sees the group acquired.
      group = ctx.routes().fallback;
      if (group == null) {
        return failed(FailureCause.NO_ROUTE, "the listener has no default group");
      }
      group.acquire();
      selectFrom = group.pool;
    }
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = selectFrom.select(selectBy, tried);
      if (!s.hasBackend()) {
        return failure != null ? Result.FAILED : failed(FailureCause.NO_BACKEND, s.reason().description());
      }
      if (attempts > 1) {
        ctx.metrics.retry();
      }
      selection = s;
      backendName = s.backend().id();
      tried.add(s.backend().id());
      attemptStart = System.nanoTime();
      try {
        address = ProxyContext.addressOf(s);
      } catch (UnknownHostException e) {
        connectFailed(e.getMessage());
        continue;
      }
      Result r = acquire();
      if (r != null) {
        return r;
      }
    }
    return failure != null ? Result.FAILED : failed(FailureCause.CONNECT_FAILED, "no backend accepted the connection");
  }

  /** The connection waited on is full (the backend's stream limit): another one to the same backend. */
  Result acquireAgain() {
    waitingOn = null;
    Result r = acquire();
    return r != null ? r : dial();
  }

  /** A connection to {@link #address}; null when the connect failed at once (reported: try the next backend). */
  private Result acquire() {
    Http2BackendConnection c;
    try {
      c = pool.acquire(address, relay);
    } catch (ConnectException e) {
      connectFailed(e.getMessage());
      return null;
    } catch (IOException e) {
      // Out of sockets here, not at the backend: no other backend would do better, and none is blamed.
      return failed(FailureCause.SOCKET_UNAVAILABLE, "cannot open a socket to the backend: " + e.getMessage());
    }
    if (c == null) {
      return Result.WAITING;
    }
    ready = c;
    return Result.READY;
  }

  /** The connection a {@link Result#READY} step found. */
  Http2BackendConnection connection() {
    Http2BackendConnection c = ready;
    ready = null;
    return c;
  }

  /** The relay is queued on {@code c} (the pool tells). */
  void waitingOn(Http2BackendConnection c) {
    waitingOn = c;
  }

  /** The connection waited on called back. */
  void doneWaiting() {
    waitingOn = null;
  }

  /** The connect to the selected backend failed: reported against it; the next dial tries another. */
  void connectFailed(String why) {
    report(Outcome.failure(Outcome.Kind.CONNECT_FAILURE, sinceAttempt()));
    release();
    failure = FailureCause.CONNECT_FAILED;
    failureReason = "no backend accepted the connection after " + tried.size() + " attempts (" + why + ")";
  }

  /**
   * The backend did not process the request (refused its stream, left it out of a GOAWAY, or went away before
   * the connection was used): not held against it, and it may be selected once more.
   */
  void unprocessed(String why) {
    release();
    if (!sameBackendRetried && backendName != null) {
      sameBackendRetried = true;
      tried.remove(backendName);
    }
    failure = FailureCause.BACKEND_CLOSED;
    failureReason = why;
  }

  /** The backend reset or lost the stream after it may have processed it: reported against it. */
  void failed(String why) {
    report(Outcome.failure(Outcome.Kind.RESET, sinceAttempt()));
    release();
    failure = FailureCause.BACKEND_CLOSED;
    failureReason = why;
  }

  private Result failed(FailureCause cause, String reason) {
    failure = cause;
    failureReason = reason;
    return Result.FAILED;
  }

  /** Reports {@code outcome} for the current selection (nothing once it was released). */
  void report(Outcome outcome) {
    if (selection != null) {
      selectFrom.report(selection, outcome);
    }
  }

  /** The pool the request selects from (null before its first dial). */
  LoadBalancer pool() {
    return selectFrom;
  }

  /** The request will select no more (its response started or it ended): its group is let go. Idempotent. */
  void letGroupGo() {
    if (group != null) {
      group.release();
      group = null;
    }
  }

  /** The request leaves its backend and its group (idempotent); also stops waiting on a starting connection. */
  void release() {
    letGroupGo();
    if (waitingOn != null) {
      waitingOn.removeWaiter(relay);
      waitingOn = null;
    }
    if (selection != null) {
      selection.release();
      selection = null;
    }
  }

  Selection selection() {
    return selection;
  }

  FailureCause failure() {
    return failure;
  }

  String failureReason() {
    return failureReason;
  }

  /** The backend selected last, for the access log, or null. */
  Object backendName() {
    return backendName;
  }

  /** Since the current attempt began. */
  Duration sinceAttempt() {
    return Duration.ofNanos(System.nanoTime() - attemptStart);
  }
}
