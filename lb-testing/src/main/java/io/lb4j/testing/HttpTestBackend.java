package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A real HTTP/1.1 server on its own loopback address for service-mesh tests, programmable while traffic flows:
 * what the application paths answer ({@link #set(Behavior)}), what the health path answers
 * ({@link #setHealth(Behavior)}), or a function of each request ({@link #dispatch(Function)}). Faults
 * ({@link Fault}) cover a black hole, resets before and during the response, truncation, slow bodies, limited
 * bandwidth, oversized and malformed responses; {@link #stop()} makes connects fail with "connection refused" and
 * {@link #start()} brings the backend back on the same address and port.
 *
 * <p>Every request is recorded before it is answered, with its headers, so a test can check what a proxy added
 * ({@code X-Forwarded-For}, {@code Via}, cookies) and wait for "n requests arrived": application requests in
 * {@link #requests()}, health probes apart in {@link #healthChecks()}.
 *
 * <pre>{@code
 * HttpTestBackend b = HttpTestBackend.builder("a").weight(3).build().start();
 * b.set(Behavior.status(502));          // the application fails...
 * b.setHealth(Behavior.ok());           // ...while /health still answers 200
 * b.update(x -> x.latency(Duration.ofMillis(50), Duration.ofMillis(20)));
 * }</pre>
 *
 * <p><b>Load.</b> A behaviour may cost CPU per request ({@link Behavior.Builder#cpu}): the request waits for one
 * of the backend's {@link Builder#cores cores} and keeps it busy, so a backend that costs three times as much
 * per request saturates at a third of the rate. With {@link Builder#loadReports} every application response
 * carries ORCA's {@code endpoint-load-metrics} header ({@code TEXT cpu_utilization=0.42, rps_fractional=120.000,
 * eps=0.000}): the cores' busy share, requests and 5xx answers per second, all over the same sliding window,
 * which is what a load-aware balancer (gRPC's weighted_round_robin, lb4j's {@code loadAware}) weighs it by.
 *
 * <pre>{@code
 * HttpTestBackend slow = HttpTestBackend.builder("c").cores(1).loadReports(Duration.ofSeconds(1)).build().start();
 * slow.update(x -> x.cpu(Duration.ofMillis(3)));   // three times the CPU of its 1 ms peers
 * }</pre>
 *
 * <p>Thread-safe. Behaviours are immutable and swapped whole through volatile fields: a request sees the old or
 * the new behaviour, never a mix; changes are serialised on this object, so {@link #update} loses none.
 * Lifecycle: see {@link TestBackend}.
 *
 * @since 0.1.0
 */
public final class HttpTestBackend extends BackendServer {

  /** The health path when none is set. */
  public static final String DEFAULT_HEALTH_PATH = "/health";
  /** The request head (request line and headers) limit when none is set: 16 KiB. */
  public static final int DEFAULT_MAX_REQUEST_HEAD_BYTES = 16 * 1024;
  /** The request body limit when none is set: 1 MiB. */
  public static final int DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;
  /** The smallest request head limit. */
  public static final int MIN_REQUEST_HEAD_BYTES = 64;
  /** The largest request head or body limit: 64 MiB. */
  public static final int MAX_REQUEST_BYTES = 64 << 20;
  /** The cores a backend has when none are set: 1. */
  public static final int DEFAULT_CORES = 1;
  /** The most cores a backend may have. */
  public static final int MAX_CORES = 256;
  /** The shortest load-report window. */
  public static final Duration MIN_LOAD_WINDOW = Duration.ofMillis(100);
  /** The longest load-report window. */
  public static final Duration MAX_LOAD_WINDOW = Duration.ofMinutes(1);

  private final String healthPath;
  private final int maxRequestHeadBytes;
  private final int maxRequestBodyBytes;
  private final int cores;
  /** One permit per core: a request with CPU work holds one while it burns. */
  private final Semaphore freeCores;
  private final Duration loadWindow;
  /** The load reported in responses; null when the backend reports none. */
  private final LoadMeter meter;
  private final Recording<RecordedRequest> requests = new Recording<>();
  private final Recording<RecordedRequest> healthChecks = new Recording<>();
  private volatile Behavior app = Behavior.ok();
  private volatile Behavior health = Behavior.ok();
  private volatile Function<RecordedRequest, Behavior> dispatcher;

  private HttpTestBackend(Builder b) {
    super(b);
    this.healthPath = b.healthPath;
    this.maxRequestHeadBytes = b.maxRequestHeadBytes;
    this.maxRequestBodyBytes = b.maxRequestBodyBytes;
    this.cores = b.cores;
    this.freeCores = new Semaphore(b.cores, true);
    this.loadWindow = b.loadWindow;
    this.meter = b.loadWindow == null ? null : new LoadMeter(b.loadWindow.toNanos(), b.cores, System.nanoTime());
  }

  /**
   * A builder for a backend named {@code name}, on the next free loopback address, any port, weight 100.
   *
   * @param name the backend's name, its id in a balancer
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public HttpTestBackend start() {
    bindAndAccept();
    return this;
  }

  @Override
  public void reset() {
    app = Behavior.ok();
    health = Behavior.ok();
    dispatcher = null;
    requests.clear();
    healthChecks.clear();
    start();
  }

  /**
   * The path answered with the health behaviour.
   *
   * @return the health path, such as {@code /health}
   */
  public String healthPath() {
    return healthPath;
  }

  /**
   * The limit on a request's line and headers; a longer head is answered 431 and the connection closed.
   *
   * @return the limit in bytes, CRLFs included
   */
  public int maxRequestHeadBytes() {
    return maxRequestHeadBytes;
  }

  /**
   * The limit on a request's body; a longer body is answered 413 and the connection closed.
   *
   * @return the limit in bytes
   */
  public int maxRequestBodyBytes() {
    return maxRequestBodyBytes;
  }

  /**
   * How many requests can burn CPU at once ({@link Behavior#cpu()}); more wait for a core, first come first
   * served.
   *
   * @return the number of cores
   */
  public int cores() {
    return cores;
  }

  /**
   * The window the load reports cover, or empty when the backend sends none.
   *
   * @return the window
   */
  public Optional<Duration> loadWindow() {
    return Optional.ofNullable(loadWindow);
  }

  /**
   * The load report the backend would send now, as its {@code endpoint-load-metrics} value.
   *
   * @return the header value, or empty when the backend sends none
   */
  public Optional<String> loadReport() {
    return meter == null ? Optional.empty() : Optional.of(meter.header(System.nanoTime()));
  }

  /**
   * Burns {@code cpu} on a free core (waiting for one first); returns how long the core was busy. The spin
   * reads the wall clock, so a request holds its core for {@code cpu} however loaded the machine is.
   */
  long burn(Duration cpu) throws InterruptedException {
    long nanos = cpu.toNanos();
    if (nanos == 0) {
      return 0;
    }
    freeCores.acquire();
    try {
      long start = System.nanoTime();
      long x = start;
      while (System.nanoTime() - start < nanos) {
        x = x * 6364136223846793005L + 1442695040888963407L; // work the JIT cannot drop: its result is used
      }
      if (x == 42) {
        Thread.onSpinWait();
      }
      return System.nanoTime() - start;
    } finally {
      freeCores.release();
    }
  }

  /**
   * Counts an answered application request in the load meter and returns the report to send with it, or null
   * when the backend sends none.
   */
  String meterAndReport(long busyNanos, int status) {
    if (meter == null) {
      return null;
    }
    long now = System.nanoTime();
    meter.record(now, busyNanos, status >= 500);
    return meter.header(now);
  }

  /**
   * Sets how every path but the health path answers, from the next request on.
   *
   * @param behavior the application behaviour
   */
  public synchronized void set(Behavior behavior) {
    app = Objects.requireNonNull(behavior, "behavior");
  }

  /**
   * Changes the application behaviour starting from the current one.
   *
   * @param change edits a builder holding the current behaviour
   */
  public synchronized void update(Consumer<Behavior.Builder> change) {
    Behavior.Builder b = app.toBuilder();
    change.accept(b);
    app = b.build();
  }

  /**
   * The application behaviour.
   *
   * @return the current application behaviour
   */
  public Behavior behavior() {
    return app;
  }

  /**
   * Sets how the health path answers, from the next request on.
   *
   * @param behavior the health behaviour
   */
  public synchronized void setHealth(Behavior behavior) {
    health = Objects.requireNonNull(behavior, "behavior");
  }

  /**
   * The health path's behaviour.
   *
   * @return the current health behaviour
   */
  public Behavior healthBehavior() {
    return health;
  }

  /**
   * Answers each request with the behaviour a function picks, overriding {@link #set} and {@link #setHealth};
   * null goes back to them. The function runs on connection threads, concurrently.
   *
   * @param dispatcher picks a behaviour for a request, or null
   */
  public void dispatch(Function<RecordedRequest, Behavior> dispatcher) {
    this.dispatcher = dispatcher;
  }

  /**
   * The application requests received, in arrival order: every request but those to the health path, so that
   * traffic shares and "no traffic after T" are not blurred by a balancer's health probes.
   *
   * @return the live recording
   */
  public Recording<RecordedRequest> requests() {
    return requests;
  }

  /**
   * The requests to the health path, in arrival order.
   *
   * @return the live recording
   */
  public Recording<RecordedRequest> healthChecks() {
    return healthChecks;
  }

  /**
   * The application requests, as {@link #requests()}.
   *
   * @return the live recording
   */
  @Override
  public Recording<RecordedRequest> recording() {
    return requests;
  }

  /** Records a request in {@link #requests()} or {@link #healthChecks()} by its path. */
  void record(RecordedRequest request) {
    (request.path().equals(healthPath) ? healthChecks : requests).add(request);
  }

  /**
   * The URI of a path on this backend.
   *
   * @param path a path starting with {@code /}
   * @return {@code http://host:port/path}
   */
  public URI uri(String path) {
    return URI.create("http://" + host() + ":" + port() + path);
  }

  Behavior behaviorFor(RecordedRequest request) {
    Function<RecordedRequest, Behavior> d = dispatcher;
    if (d != null) {
      return Objects.requireNonNull(d.apply(request), "dispatcher returned null");
    }
    return request.path().equals(healthPath) ? health : app;
  }

  @Override
  void serve(Socket socket) throws IOException, InterruptedException {
    socket.setTcpNoDelay(true);
    new HttpConnection(this, socket).serve();
  }

  @Override
  public String toString() {
    return "HttpTestBackend{" + name() + " at " + host() + ":" + port() + ", weight " + weight() + "}";
  }

  /**
   * Builds an {@link HttpTestBackend}; each setter validates its value. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder extends BackendBuilder<Builder> {
    private String healthPath = DEFAULT_HEALTH_PATH;
    private int maxRequestHeadBytes = DEFAULT_MAX_REQUEST_HEAD_BYTES;
    private int maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES;
    private int cores = DEFAULT_CORES;
    private Duration loadWindow;

    private Builder(String name) {
      super(name);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Sets the path answered with the health behaviour.
     *
     * @param path a path starting with {@code /}
     * @return this builder
     */
    public Builder healthPath(String path) {
      Objects.requireNonNull(path, "backend.healthPath");
      if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 32 || c >= 127)) {
        throw new IllegalArgumentException(
            "backend.healthPath must start with '/' and hold visible ASCII only, was '" + path + "'");
      }
      this.healthPath = path;
      return this;
    }

    /**
     * Sets the limit on a request's line and headers.
     *
     * @param bytes {@link #MIN_REQUEST_HEAD_BYTES} to {@link #MAX_REQUEST_BYTES}
     * @return this builder
     */
    public Builder maxRequestHeadBytes(int bytes) {
      this.maxRequestHeadBytes =
          checkRange("backend.maxRequestHeadBytes", bytes, MIN_REQUEST_HEAD_BYTES, MAX_REQUEST_BYTES);
      return this;
    }

    /**
     * Sets the limit on a request's body.
     *
     * @param bytes 0 to {@link #MAX_REQUEST_BYTES}
     * @return this builder
     */
    public Builder maxRequestBodyBytes(int bytes) {
      this.maxRequestBodyBytes = checkRange("backend.maxRequestBodyBytes", bytes, 0, MAX_REQUEST_BYTES);
      return this;
    }

    /**
     * Sets how many requests can burn CPU at once ({@link Behavior.Builder#cpu}).
     *
     * @param cores 1 to {@link #MAX_CORES} (default {@value #DEFAULT_CORES})
     * @return this builder
     */
    public Builder cores(int cores) {
      this.cores = checkRange("backend.cores", cores, 1, MAX_CORES);
      return this;
    }

    /**
     * Makes every application response (not the health path's) carry ORCA's {@code endpoint-load-metrics}
     * header: CPU utilization of the cores, requests and 5xx answers per second, over the last {@code window}
     * (default: no reports).
     *
     * @param window {@link #MIN_LOAD_WINDOW} to {@link #MAX_LOAD_WINDOW}
     * @return this builder
     */
    public Builder loadReports(Duration window) {
      this.loadWindow = checkRange("backend.loadReports", window, MIN_LOAD_WINDOW, MAX_LOAD_WINDOW);
      return this;
    }

    /**
     * Builds the backend, not yet started.
     *
     * @return the backend
     */
    public HttpTestBackend build() {
      return new HttpTestBackend(this);
    }
  }
}
