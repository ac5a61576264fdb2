package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.impl.persistence.CookieKeyRing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The entry point to lb4j's {@link LoadBalancer}: builds a pool of backends behind a {@link Listener}.
 *
 * <pre>{@code
 * try (LoadBalancer lb = LoadBalancers.builder(listener).backends(backends).build().start()) {
 *   try (Selection s = lb.select(RequestContext.ofClient(clientAddress))) {
 *     if (!s.hasBackend()) { ... answer 502 with s.reason() ... }
 *     ... send to s.backend(), then lb.report(s, outcome) ...
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe: a builder is not, the load balancer it builds is.
 */
public final class LoadBalancers {

  private LoadBalancers() {}

  /** A builder for a load balancer serving {@code listener}. */
  public static Builder builder(Listener listener) {
    return new Builder(listener);
  }

  /** Builds a {@link LoadBalancer}. Not thread-safe. */
  public static final class Builder {
    final Listener listener;
    final List<Backend> backends = new ArrayList<>();
    CookieKeyRing cookieKeys;
    Clock clock = Clock.systemUTC();
    LongSupplier nanoTime = System::nanoTime;
    long seed = ThreadLocalRandom.current().nextLong();
    int maxProbesInFlight = 256;
    BackendSource source;
    DiscoveryPolicy discoveryPolicy = DiscoveryPolicy.defaults();

    private Builder(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Adds backends; ids must be unique. */
    public Builder backends(Collection<Backend> backends) {
      Objects.requireNonNull(backends, "backends");
      for (Backend b : backends) {
        backend(b);
      }
      return this;
    }

    /** Adds one backend; its id must be unique. */
    public Builder backend(Backend backend) {
      backends.add(Objects.requireNonNull(backend, "backend"));
      return this;
    }

    /**
     * The keys that sign inserted session cookies. Give every balancer of a fleet the same keys so they
     * honour each other's cookies. Default: a random key, valid for this instance only.
     */
    public Builder cookieKeys(CookieKeyRing keys) {
      this.cookieKeys = Objects.requireNonNull(keys, "cookieKeys");
      return this;
    }

    /** The wall clock for event timestamps and cookie expiry (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The monotonic time source, in nanoseconds, for slow start, draining and persistence tables
     * (default {@link System#nanoTime}). Tests inject one to move time without sleeping.
     */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Seeds the scheduler's random starting point and choices (default: random per instance, so a
     * fleet started together does not send its first picks to the same backend).
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The cap on health-check probes in flight at once, 1-65536 (default 256). */
    public Builder maxProbesInFlight(int max) {
      if (max < 1 || max > 65536) {
        throw new IllegalArgumentException("maxProbesInFlight must be between 1 and 65536, was " + max);
      }
      this.maxProbesInFlight = max;
      return this;
    }

    /**
     * Feeds the pool from a source of backends (a file, DNS, ZooKeeper) instead of fixed backends. The
     * pool starts the source when it starts and closes it when it closes; it applies each list the source
     * delivers, keeps the last good list while the source fails, and reports the source's state in
     * {@link LoadBalancer#sourceState()} and {@code SourceStateChanged} events.
     *
     * @since 0.2.0
     */
    public Builder backendSource(BackendSource source) {
      this.source = Objects.requireNonNull(source, "backendSource");
      return this;
    }

    /**
     * How the pool treats its {@link #backendSource(BackendSource) source}: first-list timeout, retry
     * backoff, empty lists (default {@link DiscoveryPolicy#defaults()}).
     *
     * @since 0.2.0
     */
    public Builder discoveryPolicy(DiscoveryPolicy policy) {
      this.discoveryPolicy = Objects.requireNonNull(policy, "discoveryPolicy");
      return this;
    }

    /**
     * Builds the load balancer; call {@link LoadBalancer#start()} to start health checking (and the
     * backend source, if any).
     *
     * @throws IllegalArgumentException when two backends share an id
     * @throws IllegalStateException when both fixed backends and a backend source are given
     */
    public LoadBalancer build() {
      if (source != null && !backends.isEmpty()) {
        throw new IllegalStateException("backends and backendSource are exclusive: a source owns the pool's"
            + " membership, was " + backends.size() + " backends and " + source.description());
      }
      Set<String> ids = new HashSet<>();
      for (Backend b : backends) {
        if (!ids.add(b.id())) {
          throw new IllegalArgumentException("backends must have unique ids, was '" + b.id() + "' twice");
        }
      }
      return new DefaultLoadBalancer(this);
    }
  }
}
