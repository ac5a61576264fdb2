package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.impl.persistence.KeyRing;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Everything a pool is built from, as {@code LoadBalancers.Builder#build()} checked it: the one thing the
 * builder hands the pool, so the pool needs no access to the builder or to the time source's internals.
 *
 * @param name the pool's name
 * @param listener the listener it serves, or null for a client-side pool
 * @param settings what it runs under
 * @param secureCookies whether inserted cookies are {@code Secure} (an HTTPS listener)
 * @param customScheduler the caller's scheduler, or null for the algorithm's
 * @param cookieKeys the keys of inserted cookies, or null for a random key
 * @param clock wall-clock time, from the pool's time source
 * @param nanoTime monotonic time, from the pool's time source
 * @param onTimeAdvanced registers the pool's timers with a manual time source (no-op for real time)
 * @param timeNoLongerAdvanced undoes {@code onTimeAdvanced}
 * @param seed the seed of the scheduler and of jitter
 * @param maxProbesInFlight the health checker's cap
 * @param addressRefreshInterval how often host names are looked up again
 * @param source the backend source, or null for fixed backends
 * @param discoveryPolicy how the source is treated
 * @param resolver host name lookups (blocking)
 * @param backends the fixed backends, ids unique
 */
public record PoolParameters(String name, Listener listener, PoolSettings settings, boolean secureCookies,
    Scheduler customScheduler, KeyRing cookieKeys, Clock clock, LongSupplier nanoTime,
    Consumer<Runnable> onTimeAdvanced, Consumer<Runnable> timeNoLongerAdvanced, long seed, int maxProbesInFlight,
    Duration addressRefreshInterval, BackendSource source, DiscoveryPolicy discoveryPolicy,
    Function<String, InetAddress> resolver, List<Backend> backends) {}
