package io.lb4j.zookeeper;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from ZooKeeper: the instances of one service registered with Apache Curator's
 * {@code curator-x-discovery} ({@code <basePath>/<service>/<instance id>}, JSON), so services that already
 * register with Curator are found without change. A ZooKeeper watch (Curator's service cache), not
 * polling, delivers each change; an instance whose session ends (its ephemeral node is deleted) leaves
 * the pool.
 *
 * <p>Each instance becomes a backend with the instance id as id, its address and port (its SSL port when
 * it has no plain one), the weight in its payload's {@code weight} field (0-100, default 100) and
 * {@code enabled: false} honoured. Payload classes of the registering service are not needed.
 *
 * <p>When the connection is lost (Curator reports {@code SUSPENDED} or {@code LOST}) the source reports an
 * error naming that state ({@code zookeeper connection SUSPENDED (zookeeper /services/web)}), and every answer
 * to the pool's retries names it again until the connection is back, so the pool's source state (its
 * {@code lastError}, the gateway's {@code /status}) says SUSPENDED or LOST for as long as it lasts, not a
 * generic "not connected": the pool keeps its last known good list and says it is failing. When Curator
 * reconnects, a new watch reads the instances afresh and the current list is delivered. Optionally the source registers the
 * local instance ({@link Builder#registerSelf}) as an ephemeral node for its lifetime.
 *
 * <pre>{@code
 * BackendSource web = ZooKeeperBackendSource.builder("zk1:2181,zk2:2181", "web").build();
 * LoadBalancer pool = LoadBalancers.builder(listener).backendSource(web).build().start();
 * }</pre>
 *
 * <p><b>Nothing blocks.</b> The watch is Curator's {@code CuratorCache} on {@code <basePath>/<service>}: it
 * starts, reconnects and reads in Curator's background operations, so no thread of this source waits on
 * ZooKeeper, and {@link #refresh()} always answers, with the current list or with an error saying why there
 * is none (not connected, still reading), so a pool's retries go on until the watch delivers. A watch that
 * has not loaded within the client's connection timeout while connected is replaced at the next refresh.
 * (Curator's {@code ServiceCache}, used before, creates the service's parent nodes in a blocking call with
 * the client's retries before it watches, which could hold a thread for minutes while ZooKeeper was down.)
 * A missing service node is an empty service, not an error.
 *
 * <p><b>Threads.</b> None of its own: Curator's event, cache and connection-state threads call the subscriber,
 * serialised on this object's monitor. Self-registration uses Curator's background operations too (see
 * {@code SelfRegistration}), registers again after each (re)connection, and unregisters on {@link #close()}
 * without waiting. A client given to the builder stays the caller's: it must be started and is not closed; a
 * client built from a connect string is started and closed here. Thread-safe.
 *
 * @since 0.1.0
 */
public final class ZooKeeperBackendSource implements BackendSource {

  /** The default parent path of services, Curator's usual one. */
  public static final String DEFAULT_BASE_PATH = "/services";
  /** The default ZooKeeper session timeout of a client built from a connect string. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(60);
  /** The default connection timeout of a client built from a connect string. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(15);

  /*
   * Curator's retries of one operation on an owned client (29 is Curator's most). Their sleeps stay short:
   * an operation that failed while the connection was down retries within a second of the reconnect, where
   * a sleep of up to 30 s kept the watch from resuming long after ZooKeeper was back. Pacing the retries of
   * a failing source is the pool's job (DiscoveryPolicy backoff), not the client's.
   */
  private static final int RETRY_BASE_SLEEP_MS = 100;
  private static final int RETRY_MAX_SLEEP_MS = 1_000;
  private static final int RETRY_MAX_RETRIES = 29;

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperBackendSource.class);
  private static final String NAME_CHARSET = "printable ASCII without spaces or '/'";

  private final CuratorFramework client;
  private final boolean ownsClient;
  private final String service;
  private final String basePath;
  private final String servicePath;
  private final ServiceInstance<Object> self;
  private final String description;
  private final RegistrationSerializer serializer = new RegistrationSerializer();
  private final ConnectionStateListener connectionListener = (c, state) -> onConnectionState(state);

  /** Guarded by this object's monitor. */
  private Subscriber subscriber;
  private boolean started;
  private boolean closed;
  /** The current watch; replaced after a reconnect or when it did not load in time. */
  private CuratorCache cache;
  /** Whether {@link #cache} finished its first read: its instances are current. */
  private boolean loaded;
  private long cacheStartedNanos;
  /** Registers {@link #self}; null without self-registration. */
  private SelfRegistration registration;
  /** The connection's last state as Curator reported it, or null before the first report. */
  private volatile ConnectionState connection;

  private ZooKeeperBackendSource(Builder b, CuratorFramework client, boolean ownsClient, ServiceInstance<Object> self) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.service = b.service;
    this.basePath = b.basePath;
    this.servicePath = ZKPaths.makePath(basePath, service);
    this.self = self;
    this.description = "zookeeper " + servicePath;
  }

  /**
   * A builder for the instances of {@code service} on the ZooKeeper ensemble {@code connectString}
   * ({@code host:port,host:port[/chroot]}); the source creates, starts and closes its own client.
   */
  public static Builder builder(String connectString, String service) {
    Objects.requireNonNull(connectString, "zookeeper.connectString");
    checkCharset("zookeeper.connectString", connectString, 1, 1024, "printable ASCII without spaces",
        c -> c > ' ' && c < 127);
    return new Builder(null, connectString, service);
  }

  /**
   * A builder for the instances of {@code service} read through {@code client}, which the caller has
   * started and closes after the source.
   */
  public static Builder builder(CuratorFramework client, String service) {
    return new Builder(Objects.requireNonNull(client, "zookeeper.client"), null, service);
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
    // The listener goes on before the client starts: Curator tells CONNECTED only to the listeners it has
    // when it dispatches the event, which can be before isConnected() turns true (then a self-registration
    // would wait for an event already gone; seen in CI as an instance that never registered).
    client.getConnectionStateListenable().addListener(connectionListener);
    if (ownsClient) {
      client.start(); // connects in the background
    }
    watch();
    if (self != null) {
      registration = new SelfRegistration(client, servicePath, self, serializer, this::error);
      if (client.getZookeeperClient().isConnected()) {
        registration.register(); // else at the CONNECTED event
      }
    }
  }

  /**
   * Starts a new watch in place of the current one (closed). Neither call blocks: the cache reads and sets
   * its watch in Curator's background operations, which wait for a connection by themselves. Caller holds
   * the monitor.
   */
  private void watch() {
    if (cache != null) {
      cache.close();
    }
    CuratorCache[] holder = new CuratorCache[1];
    CuratorCache c = CuratorCache.builder(client, servicePath)
        .withExceptionHandler(e -> onCacheError(holder[0], e)).build();
    holder[0] = c;
    c.listenable().addListener(new CuratorCacheListener() {
      @Override
      public void event(Type type, ChildData oldData, ChildData data) {
        onCacheChanged(c);
      }

      @Override
      public void initialized() {
        onCacheLoaded(c);
      }
    });
    cache = c;
    loaded = false;
    cacheStartedNanos = System.nanoTime();
    c.start();
  }

  private synchronized void onCacheLoaded(CuratorCache c) {
    if (closed || c != cache) {
      return;
    }
    loaded = true;
    deliver();
  }

  private synchronized void onCacheChanged(CuratorCache c) {
    if (loaded && c == cache) {
      deliver();
    }
  }

  private synchronized void onCacheError(CuratorCache c, Exception e) {
    if (!closed && c == cache) {
      log.debug("{}: watch error", description, e);
      subscriber.onError(description + ": " + e.getMessage());
    }
  }

  private void onConnectionState(ConnectionState state) {
    connection = state;
    switch (state) {
      case SUSPENDED, LOST -> error(notConnected());
      case RECONNECTED -> {
        rewatch();
        registerAgain();
      }
      case CONNECTED -> registerAgain();
      default -> { }
    }
  }

  /** A new session has lost the ephemeral registration, and the first connection has none yet. */
  private void registerAgain() {
    SelfRegistration r;
    synchronized (this) {
      r = closed ? null : registration;
    }
    if (r != null) {
      r.register();
    }
  }

  /**
   * After a reconnect, a new watch reads the instances afresh, whatever happened to the old one while the
   * connection was down (an expired session, a restarted ensemble); the list is delivered once it is loaded.
   * Until then the pool keeps its last good list.
   */
  private synchronized void rewatch() {
    if (!closed) {
      watch();
    }
  }

  /** Delivers the watched instances, or an error when the client is not connected. Caller holds the monitor. */
  private void deliver() {
    if (closed || !loaded) {
      return;
    }
    if (!client.getZookeeperClient().isConnected()) {
      subscriber.onError(notConnected());
      return;
    }
    List<ServiceInstance<Object>> instances = new ArrayList<>();
    cache.stream().filter(d -> d.getData() != null && !d.getPath().equals(servicePath)
        && ZKPaths.getPathAndNode(d.getPath()).getPath().equals(servicePath)).forEach(d -> {
          try {
            instances.add(serializer.deserialize(d.getData()));
          } catch (Exception e) {
            log.warn("{}: skipped {}, not a registration: {}", description, d.getPath(), e.toString());
          }
        });
    List<Backend> backends = InstanceMapper.toBackends(instances,
        skipped -> log.warn("{}: skipped {}", description, skipped));
    subscriber.onBackends(backends);
  }

  /**
   * Why there is no current list while the client is not connected: the connection's state when Curator called
   * it SUSPENDED (lost, the session may live on) or LOST (the session expired), so operators see which.
   */
  private String notConnected() {
    ConnectionState state = connection;
    return state == ConnectionState.SUSPENDED || state == ConnectionState.LOST
        ? "zookeeper connection " + state + " (" + description + ")"
        : "zookeeper not connected (" + description + ")";
  }

  private synchronized void error(String message) {
    if (!closed && started) {
      subscriber.onError(message);
    }
  }

  /**
   * Answers at once, always: the watched list when it is loaded and connected; otherwise an error saying why
   * there is none (so the pool keeps retrying), after replacing a watch that has not loaded within the
   * client's connection timeout although connected.
   */
  @Override
  public synchronized void refresh() {
    if (closed || !started) {
      return;
    }
    if (loaded) {
      deliver();
      return;
    }
    if (!client.getZookeeperClient().isConnected()) {
      subscriber.onError(notConnected());
      return;
    }
    long waitedMillis = (System.nanoTime() - cacheStartedNanos) / 1_000_000;
    int connectionTimeoutMs = client.getZookeeperClient().getConnectionTimeoutMs();
    if (waitedMillis >= connectionTimeoutMs) {
      watch();
      subscriber.onError(description + ": the watch did not load within " + connectionTimeoutMs
          + " ms while connected; started a new one");
    } else {
      subscriber.onError(description + ": reading the instances (" + waitedMillis + " ms so far)");
    }
  }

  @Override
  public void close() {
    CuratorCache c;
    SelfRegistration r;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      started = true;
      c = cache;
      r = registration;
    }
    client.getConnectionStateListenable().removeListener(connectionListener);
    if (c != null) {
      c.close();
    }
    if (r != null) {
      r.close(); // a background delete; an owned client's session also ends below, and the ephemeral node with it
    }
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperBackendSource{" + description + (self == null ? "" : ", registers " + self.getId()) + "}";
  }

  /**
   * Builds a {@link ZooKeeperBackendSource}; validates each value as it is set. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final CuratorFramework client;
    private final String connectString;
    private final String service;
    private String basePath = DEFAULT_BASE_PATH;
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Backend self;

    private Builder(CuratorFramework client, String connectString, String service) {
      this.client = client;
      this.connectString = connectString;
      this.service = checkCharset("zookeeper.service", service, 1, 255, NAME_CHARSET,
          c -> c > ' ' && c < 127 && c != '/');
    }

    /** The parent path of the services, as given to Curator's {@code ServiceDiscoveryBuilder.basePath} (default {@code /services}). */
    public Builder basePath(String path) {
      checkCharset("zookeeper.basePath", path, 1, 1024, "'/' then printable ASCII without spaces",
          c -> c > ' ' && c < 127);
      if (!path.startsWith("/") || (path.length() > 1 && path.endsWith("/")) || path.contains("//")) {
        throw new IllegalArgumentException("zookeeper.basePath must be an absolute ZooKeeper path without a"
            + " trailing or double '/', was '" + path + "'");
      }
      this.basePath = path;
      return this;
    }

    /** The session timeout of a client built from a connect string, 1s-10m (default 60 s). */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = checkRange("zookeeper.sessionTimeout", timeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
      return this;
    }

    /** The connection timeout of a client built from a connect string, 100ms-10m (default 15 s). */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = checkRange("zookeeper.connectionTimeout", timeout, Duration.ofMillis(100),
          Duration.ofMinutes(10));
      return this;
    }

    /**
     * Registers {@code self} (its id, host and port; weight 0-100 in the payload) as an instance of the
     * service while the source runs: an ephemeral node, gone when the source closes or its session ends,
     * and registered again after a new session, in Curator's format, so every Curator client reads it.
     */
    public Builder registerSelf(Backend self) {
      this.self = Objects.requireNonNull(self, "zookeeper.registerSelf");
      return this;
    }

    /** Builds the source; it connects and reads nothing until its pool starts it. */
    public ZooKeeperBackendSource build() {
      ServiceInstance<Object> instance = null;
      if (self != null) {
        // A LinkedHashMap payload: Curator writes its class name, which every Curator client can load.
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("weight", self.weight());
        instance = new ServiceInstance<>(service, self.id(), self.host(), self.port(), null, payload,
            System.currentTimeMillis(), ServiceType.DYNAMIC, null, self.enabled());
      }
      if (client != null) {
        return new ZooKeeperBackendSource(this, client, false, instance);
      }
      CuratorFramework owned = CuratorFrameworkFactory.builder().connectString(connectString)
          .sessionTimeoutMs((int) sessionTimeout.toMillis()).connectionTimeoutMs((int) connectionTimeout.toMillis())
          .retryPolicy(new ExponentialBackoffRetry(RETRY_BASE_SLEEP_MS, RETRY_MAX_RETRIES, RETRY_MAX_SLEEP_MS)).build();
      return new ZooKeeperBackendSource(this, owned, true, instance);
    }
  }
}
