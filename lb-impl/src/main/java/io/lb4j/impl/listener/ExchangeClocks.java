package io.lb4j.impl.listener;

/**
 * Who owes bytes in an {@link Exchange}, and since when: the three clocks that decide who is blamed when
 * an exchange stalls, as nginx's {@code proxy_read_timeout}, {@code client_body_timeout} and
 * {@code send_timeout} do.
 *
 * <ul>
 *   <li>{@link #BACKEND}: the backend owes the answer (the request went out whole, or the response
 *       started, or a {@code 100-continue} is awaited) or owes reading request bytes the proxy holds for it.
 *       Runs only while the client reads what the backend sent: a backend blocked behind a client that does
 *       not read is not timed. Limit: the request timeout.</li>
 *   <li>{@link #CLIENT_SEND}: the client owes request body bytes (none are waiting for the backend).
 *       Limit: the request timeout.</li>
 *   <li>{@link #CLIENT_READ}: response bytes wait for the client (it does not read). Limit: the write
 *       timeout.</li>
 * </ul>
 *
 * <p>A clock starts when its side starts owing and stops when it stops; each byte that side moves restarts
 * it. The exchange tells who owes after each event ({@link #owing}); the owner's timer asks for the
 * {@link #deadline} and, when it passes, which side {@link #expired}. Loop thread only; allocation-free.
 */
final class ExchangeClocks {
  static final int NONE = 0;
  static final int BACKEND = 1;
  static final int CLIENT_SEND = 2;
  static final int CLIENT_READ = 3;

  private final long requestTimeoutNanos;
  private final long writeTimeoutNanos;
  private boolean backend;
  private boolean clientSend;
  private boolean clientRead;
  private long backendSince;
  private long clientSendSince;
  private long clientReadSince;

  ExchangeClocks(long requestTimeoutNanos, long writeTimeoutNanos) {
    this.requestTimeoutNanos = requestTimeoutNanos;
    this.writeTimeoutNanos = writeTimeoutNanos;
  }

  /** Stops every clock (no exchange in progress). */
  void stop() {
    backend = false;
    clientSend = false;
    clientRead = false;
  }

  /** Who owes bytes now; a clock that starts reads the time (once for all three). */
  void owing(boolean backendOwes, boolean clientOwesBody, boolean clientOwesRead) {
    long now = 0;
    boolean timed = false;
    if (backendOwes && !backend) {
      now = System.nanoTime();
      timed = true;
      backendSince = now;
    }
    if (clientOwesBody && !clientSend) {
      if (!timed) {
        now = System.nanoTime();
        timed = true;
      }
      clientSendSince = now;
    }
    if (clientOwesRead && !clientRead) {
      clientReadSince = timed ? now : System.nanoTime();
    }
    backend = backendOwes;
    clientSend = clientOwesBody;
    clientRead = clientOwesRead;
  }

  /**
   * The earliest deadline of the running clocks, given when each side last moved a byte; {@code fallback}
   * when none runs.
   */
  long deadline(long backendProgress, long clientReadProgress, long clientWriteProgress, long fallback) {
    long d = 0;
    boolean any = false;
    if (backend) {
      d = Math.max(backendSince, backendProgress) + requestTimeoutNanos;
      any = true;
    }
    if (clientSend) {
      d = earlier(d, any, Math.max(clientSendSince, clientReadProgress) + requestTimeoutNanos);
      any = true;
    }
    if (clientRead) {
      d = earlier(d, any, Math.max(clientReadSince, clientWriteProgress) + writeTimeoutNanos);
      any = true;
    }
    return any ? d : fallback;
  }

  private static long earlier(long d, boolean any, long candidate) {
    return !any || candidate - d < 0 ? candidate : d;
  }

  /**
   * The side whose clock ran out at {@code nowNanos} ({@link #NONE} if none): the client's clocks are
   * checked first, so a client that stalls both ways is blamed rather than the backend it held up.
   */
  int expired(long nowNanos, long backendProgress, long clientReadProgress, long clientWriteProgress) {
    if (clientRead && nowNanos - Math.max(clientReadSince, clientWriteProgress) >= writeTimeoutNanos) {
      return CLIENT_READ;
    }
    if (clientSend && nowNanos - Math.max(clientSendSince, clientReadProgress) >= requestTimeoutNanos) {
      return CLIENT_SEND;
    }
    if (backend && nowNanos - Math.max(backendSince, backendProgress) >= requestTimeoutNanos) {
      return BACKEND;
    }
    return NONE;
  }
}
