package io.lb4j.dns;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.discovery.BackendSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
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
 * the pool, which keeps its last good list and calls {@link #refresh()} with backoff; the source itself
 * waits for that call. Answers are never cached by lb4j.
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

  private static final Logger log = LoggerFactory.getLogger(DnsBackendSource.class);
  private static final Duration MIN_DURATION = Duration.ofMillis(10);
  private static final Duration MAX_TTL_LIMIT = Duration.ofDays(1);
  private static final Duration MAX_QUERY_TIMEOUT = Duration.ofSeconds(60);

  private final Name name;
  private final int port;
  private final boolean srv;
  private final boolean ipv4;
  private final boolean ipv6;
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

  private DnsBackendSource(Builder b, Resolver resolver) {
    this.name = b.name;
    this.port = b.port;
    this.srv = b.srv;
    this.ipv4 = b.ipv4;
    this.ipv6 = b.ipv6;
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

  @Override
  public synchronized void refresh() {
    if (!started || closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    next = thread.schedule(this::resolve, 0, TimeUnit.NANOSECONDS);
  }

  /** Resolves once on the source's thread, delivers, and schedules the next resolution after a success. */
  private void resolve() {
    DnsLookup.Result result;
    try {
      result = srv ? lookup.srv(name, ipv4, ipv6) : lookup.addresses(name, port, ipv4, ipv6);
    } catch (DnsLookup.LookupException e) {
      synchronized (this) {
        if (!closed) {
          log.debug("{}: {}", description, e.getMessage());
          subscriber.onError(e.getMessage());
        }
      }
      return;
    } catch (RuntimeException e) {
      synchronized (this) {
        if (!closed) {
          log.warn("{}: resolution failed", description, e);
          subscriber.onError(description + ": " + e);
        }
      }
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      subscriber.onBackends(result.backends());
      long delay = nextResolutionDelay(result.minTtlSeconds(), minTtl, maxTtl).toNanos();
      next = thread.schedule(this::resolve, delay, TimeUnit.NANOSECONDS);
    }
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
    return "DnsBackendSource{" + description + ", ttl " + format(minTtl) + "-" + format(maxTtl) + "}";
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
