package io.lb4j.dns;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.discovery.BackendSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;

/**
 * Backends from DNS: the A and AAAA records of a name (every address, one port), or the SRV records of a
 * name (each target's addresses, the record's port, its weight mapped to 0-100 relative to the largest).
 *
 * <p>The name is resolved when the pool starts and again when the smallest TTL of the answer runs out,
 * clamped to {@code [minTtl, maxTtl]} so that a TTL of 0 does not turn into a query storm and a TTL of a
 * day does not hide a change for a day. A failed resolution (no answer, NXDOMAIN, SERVFAIL) is reported to
 * the pool, which keeps its last good list. The source then asks again on its own: after {@code minTtl},
 * doubling with each failure in a row, but never waiting longer than the re-resolution delay of its last
 * good answer (its clamped TTL; {@code maxTtl} before any answer), each wait drawn between half of it and all
 * of it so that a fleet of sources does not query in step. So it is back within about one TTL of the
 * server's return, however long the outage lasted, and while the server is down it asks no more often than
 * when it is up. So it {@linkplain #retriesItself() retries by itself}: the pool adds no retries of its own
 * (whose backoff grows with the outage), and a {@link #refresh()} still resolves at once. Answers are never
 * cached by lb4j.
 *
 * <p>SRV records: by default only the targets of the lowest priority are used (RFC 2782: the others are
 * for when all of those are unreachable, which the pool decides with health checks). With
 * {@link Builder#allPriorities(boolean)} every priority is reported, each backend's priority being its
 * record's ({@link io.lb4j.api.Backend#priority()}, also in its metadata under {@value #PRIORITY_KEY}): the
 * pool uses the lowest priority with an eligible backend, so the others are failover tiers.
 *
 * <pre>{@code
 * BackendSource web = DnsBackendSource.addresses("web.internal", 8080).build();
 * BackendSource api = DnsBackendSource.srv("_http._tcp.api.internal").minTtl(Duration.ofSeconds(5)).build();
 * LoadBalancer pool = LoadBalancers.builder(listener).backendSource(web).build().start();
 * }</pre>
 *
 * <p><b>Threads.</b> Each source resolves on one daemon thread ({@code lb4j-dns-<name>}), created by
 * {@link #start} and stopped by {@link #close}; the subscriber is called on it. Thread-safe.
 *
 * @since 0.1.0
 */
public final class DnsBackendSource implements BackendSource {

  /** The default lower bound on the re-resolution delay. */
  public static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(1);
  /** The default upper bound on the re-resolution delay. */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofMinutes(5);
  /** The default time to wait for a DNS answer. */
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
  /** The metadata key of an SRV backend's priority (RFC 2782: lower is preferred), as a decimal number. */
  public static final String PRIORITY_KEY = "dns.priority";
  /** The metadata key of an SRV backend's weight as the record gives it (0-65535), as a decimal number. */
  public static final String SRV_WEIGHT_KEY = "dns.weight";

  private static final Logger log = LoggerFactory.getLogger(DnsBackendSource.class);
  private static final Duration MIN_DURATION = Duration.ofMillis(10);
  private static final Duration MAX_TTL_LIMIT = Duration.ofDays(1);
  private static final Duration MAX_QUERY_TIMEOUT = Duration.ofSeconds(60);

  private final Name name;
  private final int port;
  private final boolean srv;
  private final boolean ipv4;
  private final boolean ipv6;
  private final boolean allPriorities;
  private final Duration minTtl;
  private final Duration maxTtl;
  private final DnsLookup lookup;
  private final String description;

  /** Guarded by this object's monitor. */
  private Subscriber subscriber;
  private ScheduledThreadPoolExecutor thread;
  private ScheduledFuture<?> next;
  private boolean started;
  private boolean closed;
  /** Resolutions failed in a row since the last good answer. */
  private int failures;
  /** The re-resolution delay of the last good answer (its clamped TTL), or null before the first. */
  private Duration lastGoodDelay;
  private final SplittableRandom random = new SplittableRandom();

  private DnsBackendSource(Builder b, Resolver resolver) {
    this.name = b.name;
    this.port = b.port;
    this.srv = b.srv;
    this.ipv4 = b.ipv4;
    this.ipv6 = b.ipv6;
    this.allPriorities = b.allPriorities;
    this.minTtl = b.minTtl;
    this.maxTtl = b.maxTtl;
    this.lookup = new DnsLookup(resolver);
    String types = srv ? "SRV" : (ipv4 && ipv6 ? "A/AAAA" : ipv4 ? "A" : "AAAA");
    this.description = "dns " + types + " " + name + (srv ? "" : " port " + port)
        + (b.server == null ? "" : " @" + b.server.getHostString() + ":" + b.server.getPort());
  }

  /**
   * A builder for the A and AAAA records of {@code name}, every address a backend on {@code port}.
   *
   * @throws IllegalArgumentException when the name is not a valid DNS name or the port is not 1-65535
   */
  public static Builder addresses(String name, int port) {
    return new Builder(name, false, checkRange("dns.port", port, 1, 65535));
  }

  /**
   * A builder for the SRV records of {@code name} (such as {@code _http._tcp.web.internal}): each target's
   * addresses on the record's port, weighted.
   *
   * @throws IllegalArgumentException when the name is not a valid DNS name
   */
  public static Builder srv(String name) {
    return new Builder(name, true, 0);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public synchronized void start(Subscriber subscriber) {
    checkState(!started, "source already started: " + description);
    started = true;
    this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
    thread = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "lb4j-dns-" + name);
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
    next = thread.schedule(this::resolve, 0, TimeUnit.NANOSECONDS);
  }

  /**
   * {@inheritDoc}
   *
   * <p>True: after a failure the source asks again on its own, within about one TTL of its last good answer.
   */
  @Override
  public boolean retriesItself() {
    return true;
  }

  @Override
  public synchronized void refresh() {
    if (!started || closed) {
      return;
    }
    schedule(0);
  }

  /**
   * Resolves once on the source's thread, delivers, and schedules the next resolution: after the answer's
   * TTL, or after a failure with the capped backoff of {@link #retryDelay}.
   */
  private void resolve() {
    DnsLookup.Result result;
    try {
      result = srv ? lookup.srv(name, ipv4, ipv6, allPriorities) : lookup.addresses(name, port, ipv4, ipv6);
    } catch (DnsLookup.LookupException e) {
      log.debug("{}: {}", description, e.getMessage());
      failed(e.getMessage());
      return;
    } catch (RuntimeException e) {
      log.warn("{}: resolution failed", description, e);
      failed(description + ": " + e);
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      subscriber.onBackends(result.backends());
      failures = 0;
      lastGoodDelay = nextResolutionDelay(result.minTtlSeconds(), minTtl, maxTtl);
      schedule(lastGoodDelay.toNanos());
    }
  }

  private synchronized void failed(String error) {
    if (closed) {
      return;
    }
    subscriber.onError(error);
    failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
    Duration cap = lastGoodDelay != null ? lastGoodDelay : maxTtl;
    schedule(retryDelay(failures, minTtl, cap, random.nextDouble()).toNanos());
  }

  /** Replaces the pending resolution. Caller holds the monitor. */
  private void schedule(long delayNanos) {
    if (next != null) {
      next.cancel(false);
    }
    next = thread.schedule(this::resolve, delayNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * How long to wait after {@code failures} failed resolutions in a row: {@code minTtl * 2^(failures-1)},
   * at most {@code cap} (the last good answer's delay) and at least {@code minTtl}, drawn between half of it
   * and all of it by {@code draw} (uniform in [0, 1)). Capping at the TTL is what bounds recovery: a source
   * that waited one TTL between queries while the server was up waits no longer while it is down.
   */
  static Duration retryDelay(int failures, Duration minTtl, Duration cap, double draw) {
    long min = minTtl.toNanos();
    long max = Math.max(min, cap.toNanos());
    int doublings = Math.max(0, Math.min(failures - 1, 40));
    long backoff = min > (max >> doublings) ? max : min << doublings;
    long jittered = backoff / 2 + (long) ((backoff - backoff / 2) * Math.max(0, Math.min(draw, 1)));
    return Duration.ofNanos(Math.max(min, Math.min(max, jittered)));
  }

  /**
   * When to resolve again: after the smallest TTL of the answer, clamped to {@code [min, max]}; after
   * {@code min} when the answer had no records (nothing told us how long to wait).
   */
  static Duration nextResolutionDelay(long minTtlSeconds, Duration min, Duration max) {
    if (minTtlSeconds == Long.MAX_VALUE) {
      return min;
    }
    Duration ttl = Duration.ofSeconds(minTtlSeconds);
    return ttl.compareTo(min) < 0 ? min : ttl.compareTo(max) > 0 ? max : ttl;
  }

  @Override
  public void close() {
    ScheduledThreadPoolExecutor t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      started = true;
      t = thread;
    }
    if (t != null) {
      t.shutdownNow(); // interrupts a query in flight: dnsjava's blocking send gives up
      try {
        if (!t.awaitTermination(10, TimeUnit.SECONDS)) {
          log.warn("{}: resolver thread did not stop within 10s", description);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "DnsBackendSource{" + description + ", ttl " + format(minTtl) + "-" + format(maxTtl)
        + (allPriorities ? ", all priorities" : "") + "}";
  }

  /**
   * Builds a {@link DnsBackendSource}; validates each value as it is set and the combination at
   * {@link #build()}. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final Name name;
    private final boolean srv;
    private final int port;
    private InetSocketAddress server;
    private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
    private Duration minTtl = DEFAULT_MIN_TTL;
    private Duration maxTtl = DEFAULT_MAX_TTL;
    private boolean ipv4 = true;
    private boolean ipv6 = true;
    private boolean allPriorities;

    private Builder(String name, boolean srv, int port) {
      this.name = parseName(name);
      this.srv = srv;
      this.port = port;
    }

    private static Name parseName(String name) {
      Objects.requireNonNull(name, "dns.name");
      try {
        if (name.isEmpty() || name.equals(".")) {
          throw new TextParseException("empty name");
        }
        return Name.fromString(name, Name.root);
      } catch (TextParseException e) {
        throw new IllegalArgumentException("dns.name must be a valid DNS name, was '" + name + "' ("
            + e.getMessage() + ")");
      }
    }

    /** The DNS server to ask (default: the system's resolvers, from {@code /etc/resolv.conf} or the OS). */
    public Builder server(InetSocketAddress server) {
      this.server = Objects.requireNonNull(server, "dns.server");
      return this;
    }

    /** How long to wait for each answer, 10ms-60s (default 5 s). */
    public Builder queryTimeout(Duration timeout) {
      this.queryTimeout = checkRange("dns.queryTimeout", timeout, MIN_DURATION, MAX_QUERY_TIMEOUT);
      return this;
    }

    /** The shortest wait before resolving again, whatever the TTL, 10ms-1d (default 1 s). */
    public Builder minTtl(Duration min) {
      this.minTtl = checkRange("dns.minTtl", min, MIN_DURATION, MAX_TTL_LIMIT);
      return this;
    }

    /** The longest wait before resolving again, whatever the TTL, 10ms-1d (default 5 min). */
    public Builder maxTtl(Duration max) {
      this.maxTtl = checkRange("dns.maxTtl", max, MIN_DURATION, MAX_TTL_LIMIT);
      return this;
    }

    /** Whether to ask for IPv4 (A) addresses (default true). */
    public Builder ipv4(boolean enabled) {
      this.ipv4 = enabled;
      return this;
    }

    /** Whether to ask for IPv6 (AAAA) addresses (default true). */
    public Builder ipv6(boolean enabled) {
      this.ipv6 = enabled;
      return this;
    }

    /**
     * Whether an SRV source reports the targets of every priority, each with its record's priority as its
     * {@link io.lb4j.api.Backend#priority()} (and in metadata under {@value DnsBackendSource#PRIORITY_KEY}) and
     * weights mapped within its priority (default false: the lowest priority only). The pool sends traffic to
     * the lowest priority with an eligible backend, so the higher ones are failover tiers (RFC 2782's
     * meaning), taking over when health checks or outlier detection take out every target of the lower one.
     */
    public Builder allPriorities(boolean all) {
      this.allPriorities = all;
      return this;
    }

    /**
     * Builds the source; it resolves nothing until its pool starts it.
     *
     * @throws IllegalStateException when maxTtl is below minTtl or neither IPv4 nor IPv6 is asked for
     */
    public DnsBackendSource build() {
      checkState(maxTtl.compareTo(minTtl) >= 0,
          "dns.maxTtl must be at least dns.minTtl (" + format(minTtl) + "), was " + format(maxTtl));
      checkState(ipv4 || ipv6, "dns.ipv4 and dns.ipv6 must not both be off");
      Resolver resolver = server != null ? new SimpleResolver(server) : new ExtendedResolver();
      resolver.setTimeout(queryTimeout);
      return new DnsBackendSource(this, resolver);
    }
  }
}
