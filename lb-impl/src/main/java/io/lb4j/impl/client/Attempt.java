package io.lb4j.impl.client;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.Selection;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * One attempt of a request on one selected backend. Ends exactly once, whichever path gets there first
 * (response body consumed or closed, failure, retry, cancellation): {@link #finish} reports the outcome
 * and releases the selection, {@link #abandon} only releases it. Thread-safe.
 *
 * <p>It is also what {@code HttpClient} calls back for its exchange: the body handler given to
 * {@code send}/{@code sendAsync} ({@link #apply}) and the action run when the exchange completes
 * ({@link #accept}), both handed to its {@link Call} with the attempt they belong to. One object rather
 * than a lambda per callback, for speed: it saves their allocations on every attempt, and a callback
 * that comes late still names its own attempt, not the call's current one.
 */
final class Attempt<T> implements BodyHandler<T>, BiConsumer<HttpResponse<T>, Throwable> {
  private final Call<T> call;
  private final LoadBalancer lb;
  final Selection selection;
  /** When the attempt was handed to the client, after its backoff. */
  private volatile long sentNanos;
  /** Ends the attempt once: a field updater rather than an AtomicBoolean, one object less per attempt. */
  private static final AtomicIntegerFieldUpdater<Attempt<?>> ENDED = endedUpdater();

  private volatile int ended;
  /** The wait before this attempt is sent (0 for a requeue); set before it is handed to the timer, which publishes it. */
  long backoffNanos;
  /**
   * Whether the attempt ends when its exchange completes: its body went to one of the JDK's buffering
   * subscribers unwrapped ({@link ReleasingBodySubscriber#endsWithExchange}). Written by the thread that
   * read the headers, read once the exchange completed (happens-before through the exchange's future).
   */
  boolean endsWithExchange;
  /** The timeout the attempt was sent with; set when it is sent, read after it failed. */
  volatile Duration timeout = Duration.ZERO;
  /** Set when response headers arrived; 0 before. Written once by the client's thread, then read. */
  private volatile int status;
  private volatile long headersNanos;

  Attempt(Call<T> call, LoadBalancer lb, Selection selection) {
    this.call = call;
    this.lb = lb;
    this.selection = selection;
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // the updater of the raw class serves every Attempt<T>
  private static AtomicIntegerFieldUpdater<Attempt<?>> endedUpdater() {
    return (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "ended");
  }

  /** The response headers of this attempt arrived (on the client's thread): see {@code Call.onHeaders}. */
  @Override
  public BodySubscriber<T> apply(ResponseInfo info) {
    return call.onHeaders(this, info);
  }

  /** This attempt's exchange completed ({@code sendAsync} only): see {@code Call.onExchangeDone}. */
  @Override
  public void accept(HttpResponse<T> response, Throwable error) {
    call.onExchangeDone(this, response, error);
  }

  /** Marks the attempt as sent now with {@code timeout}, so that its latency leaves out the backoff before it. */
  void sending(Duration timeout) {
    this.timeout = timeout;
    this.sentNanos = System.nanoTime();
  }

  String backendId() {
    return selection.backend().id();
  }

  /** {@code 127.0.0.1:9001}: the address the attempt goes to, as messages show it. */
  String address() {
    InetSocketAddress a = selection.address();
    String host = a.isUnresolved() || a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  int status() {
    return status;
  }

  void headersReceived(int status) {
    this.headersNanos = System.nanoTime();
    this.status = status;
  }

  boolean headersReceived() {
    return status != 0;
  }

  /** How long the backend took to answer (to headers), or until now when it has not answered. */
  Duration latency() {
    long end = status != 0 ? headersNanos : System.nanoTime();
    return Duration.ofNanos(Math.max(0, end - sentNanos));
  }

  /** The outcome of a response with the status received. */
  Outcome statusOutcome() {
    return Outcome.httpStatus(status, latency());
  }

  /** Reports {@code outcome} and releases the selection, unless the attempt already ended. */
  void finish(Outcome outcome) {
    if (ENDED.compareAndSet(this, 0, 1)) {
      try {
        lb.report(selection, outcome);
      } finally {
        selection.release();
      }
    }
  }

  /** Releases the selection without a report (the caller cancelled), unless the attempt already ended. */
  void abandon() {
    if (ENDED.compareAndSet(this, 0, 1)) {
      selection.release();
    }
  }
}
