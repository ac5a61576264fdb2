package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * A real TCP server on its own loopback address for Layer-4 tests and TCP health checks: each accepted connection
 * is echoed, closed, reset or held open without an answer, as its {@link Mode} says, and recorded
 * ({@link #connections()}). Echoes can be delayed ({@link #latency}) and broken by a {@link Fault} (reset before or
 * after n bytes, close after n bytes, dribble, bandwidth). {@link #stop()} makes connects fail with "connection
 * refused" and {@link #start()} listens again on the same address and port.
 *
 * <p>Thread-safe: the mode can change while connections arrive; it applies to connections accepted afterwards.
 * Lifecycle: see {@link TestBackend}.
 *
 * @since 0.1.0
 */
public final class TcpTestBackend extends BackendServer {

  /** What the backend does with a connection it accepted. */
  public enum Mode {
    /** Sends back every byte it receives until the client closes. */
    ECHO,
    /** Closes the connection normally (FIN) right after the handshake, as a server with nothing to say. */
    CLOSE,
    /** Resets the connection (RST) right after the handshake. */
    RESET,
    /** Reads and never writes nor closes: a hung application; the client sees a read timeout. */
    BLACKHOLE
  }

  private final Mode initialMode;
  private final Recording<RecordedConnection> connections = new Recording<>();
  private volatile Mode mode;
  private volatile Fault fault = Fault.none();
  private Duration latency = Duration.ZERO;
  private Duration jitter = Duration.ZERO;

  private TcpTestBackend(Builder b) {
    super(b);
    this.initialMode = b.mode;
    this.mode = b.mode;
  }

  /**
   * A builder for a backend named {@code name}, on the next free loopback address, any port, weight 100, echoing.
   *
   * @param name the backend's name, its id in a balancer
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public TcpTestBackend start() {
    bindAndAccept();
    return this;
  }

  @Override
  public void reset() {
    mode = initialMode;
    fault = Fault.none();
    latency(Duration.ZERO, Duration.ZERO);
    connections.clear();
    start();
  }

  /**
   * Sets what happens to connections accepted from now on.
   *
   * @param mode the mode
   */
  public void mode(Mode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  /**
   * The current mode.
   *
   * @return the mode
   */
  public Mode mode() {
    return mode;
  }

  /**
   * The connections accepted, in arrival order.
   *
   * @return the live recording
   */
  public Recording<RecordedConnection> connections() {
    return connections;
  }

  @Override
  public Recording<RecordedConnection> recording() {
    return connections;
  }

  /**
   * Sets a fault applied to the echo of connections ({@link Mode#ECHO}), open ones included, from their next chunk:
   * {@link Fault#resetBeforeResponse()} (reset on the first data), {@link Fault#resetAfterBytes},
   * {@link Fault#closeAfterBytes}, {@link Fault#dribble}, {@link Fault#bandwidth}, {@link Fault#blackhole()} or
   * {@link Fault#none()}.
   *
   * @param fault the fault
   * @throws IllegalArgumentException for the HTTP-only faults (oversized headers, malformed responses)
   */
  public void fault(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    if (fault.kind() == Fault.Kind.OVERSIZED_HEADERS || fault.kind() == Fault.Kind.MALFORMED) {
      throw new IllegalArgumentException("tcp fault must be none, blackhole, a reset, close after bytes, dribble or "
          + "bandwidth, was " + fault);
    }
    this.fault = fault;
  }

  /**
   * The fault applied to echoes.
   *
   * @return the fault
   */
  public Fault fault() {
    return fault;
  }

  /**
   * Delays each echoed chunk by {@code latency} plus a uniform random part of {@code jitter}.
   *
   * @param latency 0 to {@link Behavior#MAX_LATENCY}
   * @param jitter 0 to {@link Behavior#MAX_LATENCY}
   */
  public void latency(Duration latency, Duration jitter) {
    Duration checkedLatency = checkRange("backend.latency", latency, Duration.ZERO, Behavior.MAX_LATENCY);
    Duration checkedJitter = checkRange("backend.jitter", jitter, Duration.ZERO, Behavior.MAX_LATENCY);
    synchronized (this) {
      this.latency = checkedLatency;
      this.jitter = checkedJitter;
    }
  }

  @Override
  void serve(Socket socket) throws IOException, InterruptedException {
    RecordedConnection record =
        new RecordedConnection((InetSocketAddress) socket.getRemoteSocketAddress(), System.nanoTime());
    connections.add(record);
    switch (mode) {
      case CLOSE:
        socket.close();
        return;
      case RESET:
        reset(socket);
        return;
      case ECHO:
      case BLACKHOLE:
      default:
        pump(socket, record, mode == Mode.ECHO);
    }
  }

  private void pump(Socket socket, RecordedConnection record, boolean echo) throws IOException, InterruptedException {
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    byte[] buf = new byte[8192];
    long sent = 0;
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        record.received(n);
        Fault f = fault;
        if (!echo || f.kind() == Fault.Kind.BLACKHOLE) {
          continue;
        }
        Duration wait;
        Duration spread;
        synchronized (this) {
          wait = latency;
          spread = jitter;
        }
        Pacing.delay(wait, spread);
        switch (f.kind()) {
          case RESET_BEFORE_RESPONSE:
            reset(socket);
            return;
          case RESET_AFTER_BYTES:
          case CLOSE_AFTER_BYTES:
            int allowed = (int) Math.max(0, Math.min(n, f.bytes() - sent));
            out.write(buf, 0, allowed);
            out.flush();
            sent += allowed;
            if (sent >= f.bytes()) {
              if (f.kind() == Fault.Kind.RESET_AFTER_BYTES) {
                reset(socket);
              } else {
                socket.close();
              }
              return;
            }
            break;
          case DRIBBLE:
            Pacing.dribble(out, buf, 0, n, f.bytes(), f.pause());
            break;
          case BANDWIDTH:
            Pacing.write(out, Arrays.copyOf(buf, n), f.bytes());
            break;
          default:
            out.write(buf, 0, n);
            out.flush();
        }
      }
      record.markClientClosed();
    } catch (IOException e) {
      if (!socket.isClosed()) {
        record.markClientClosed(); // reset by the client; a closed socket means the backend is stopping
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return "TcpTestBackend{" + name() + " at " + host() + ":" + port() + ", " + mode + "}";
  }

  /**
   * Builds a {@link TcpTestBackend}; each setter validates its value. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder extends BackendBuilder<Builder> {
    private Mode mode = Mode.ECHO;

    private Builder(String name) {
      super(name);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Sets the initial mode, which {@link TcpTestBackend#reset()} returns to.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "backend.mode");
      return this;
    }

    /**
     * Builds the backend, not yet started.
     *
     * @return the backend
     */
    public TcpTestBackend build() {
      return new TcpTestBackend(this);
    }
  }
}
