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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
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
 * error: the pool keeps its last known good list and says it is failing. When Curator reconnects, a new
 * watch reads the instances afresh and the current list is delivered. Optionally the source registers the local instance
 * ({@link Builder#registerSelf}) as an ephemeral node for its lifetime.
 *
 * <pre>{@code
 * BackendSource web = ZooKeeperBackendSource.builder("zk1:2181,zk2:2181", "web").build();
 * LoadBalancer pool = LoadBalancers.builder(listener).backendSource(web).build().start();
 * }</pre>
 *
 * <p><b>Threads.</b> Curator's event and cache threads call the subscriber, serialised on this object's
 * monitor; a short-lived daemon thread ({@code lb4j-zk-start-<service>}) starts the watch so that a
 * ZooKeeper that is down cannot block the pool's start. A client given to the builder stays the caller's: it
 * must be started and is not closed; a client built from a connect string is started and closed here.
 * Thread-safe.
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
  private final ServiceInstance<Object> self;
  private final String description;

  /** Guarded by this object's monitor. */
  private Subscriber subscriber;
  private ServiceDiscovery<Object> discovery;
  private ServiceCache<Object> cache;
  private boolean started;
  private boolean closed;
  /** Whether the discovery (and self-registration) started; the cache is not started before. */
  private boolean discoveryStarted;
  /** Whether {@link #cache} started: its watch is set and its instances are current. */
  private boolean watching;
  private Thread starter;
  /** Caches replaced after a reconnect, closed by the starter thread (or by {@link #close()}). */
  private final List<ServiceCache<Object>> retired = new ArrayList<>();
  private final ServiceCacheListener listener = new ServiceCacheListener() {
    @Override
    public void cacheChanged() {
      deliver();
    }

    @Override
    public void stateChanged(CuratorFramework c, ConnectionState state) {
      onConnectionState(state);
    }
  };

  private ZooKeeperBackendSource(Builder b, CuratorFramework client, boolean ownsClient, ServiceInstance<Object> self) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.service = b.service;
    this.basePath = b.basePath;
    this.self = self;
    this.description = "zookeeper " + basePath + (basePath.endsWith("/") ? "" : "/") + service;
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
    if (ownsClient) {
      client.start();
    }
    discovery = ServiceDiscoveryBuilder.builder(Object.class).client(client).basePath(basePath)
        .serializer(new RegistrationSerializer()).thisInstance(self).watchInstances(true).build();
    cache = newCache();
    startInBackground();
  }

  private ServiceCache<Object> newCache() {
    ServiceCache<Object> c = discovery.serviceCacheBuilder().name(service).build();
    c.addListener(listener);
    return c;
  }

  /**
   * Starts discovery and the cache on a short-lived thread: a ZooKeeper that is down must not block the
   * pool's start. When that fails (Curator's retries ran out) the error goes to the pool, whose next
   * {@link #refresh()} tries again. Caller holds the monitor.
   */
  private void startInBackground() {
    if (starter != null) {
      return; // the running starter sees the newest cache before it ends (see startWatching)
    }
    starter = new Thread(this::startWatching, "lb4j-zk-start-" + service);
    starter.setDaemon(true);
    starter.start();
  }

  /**
   * Starts discovery (once) and the current cache, then delivers. Loops when a reconnect replaced the
   * cache meanwhile, also while this thread was delivering, so the cache that ends up watching is always
   * the newest one. The thread clears {@link #starter} in the same locked step in which it decides to end:
   * a reconnect that comes later finds no starter and starts one, so no new cache is left unstarted.
   */
  private void startWatching() {
    try {
      while (true) {
        startNewestCache();
        deliver();
        synchronized (this) {
          if (closed || watching) {
            starter = null;
            return;
          }
          // A reconnect replaced the cache while this thread delivered: start the new one too.
        }
      }
    } catch (InterruptedException e) {
      synchronized (this) {
        starter = null;
      }
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      synchronized (this) {
        starter = null;
        if (!closed) {
          // A cache cannot be started twice: the next refresh starts a fresh one.
          retired.add(cache);
          cache = newCache();
        }
      }
      error("cannot start watching " + description + ": " + e);
    }
  }

  /** Starts the newest cache and marks it watching; returns early, not watching, when closed. */
  private void startNewestCache() throws Exception {
    while (true) {
      boolean startDiscovery;
      ServiceCache<Object> c;
      List<ServiceCache<Object>> toClose;
      synchronized (this) {
        if (closed) {
          return;
        }
        startDiscovery = !discoveryStarted;
        c = cache;
        toClose = new ArrayList<>(retired);
        retired.clear();
      }
      toClose.forEach(this::closeQuietly);
      if (startDiscovery) {
        discovery.start(); // registers self, if any
        synchronized (this) {
          discoveryStarted = true;
        }
      }
      CountDownLatch loaded = c.startImmediate(); // reads the current instances and sets the watch
      while (!loaded.await(100, TimeUnit.MILLISECONDS)) {
        synchronized (this) {
          if (closed) {
            return;
          }
          if (c != cache) {
            break; // a reconnect retired it: start the newest cache now rather than wait for this one's retries
          }
        }
      }
      synchronized (this) {
        if (c == cache) {
          watching = true;
          return;
        }
      }
    }
  }

  private void onConnectionState(ConnectionState state) {
    switch (state) {
      case SUSPENDED, LOST -> error("zookeeper connection " + state + " (" + description + ")");
      case RECONNECTED -> rewatch();
      default -> { }
    }
  }

  /**
   * After a reconnect, a new cache reads the instances afresh and sets a new watch, whatever happened to
   * the old one while the connection was down (an expired session, a restarted ensemble); the list is
   * delivered once it is loaded. Until then the pool keeps its last good list.
   */
  private synchronized void rewatch() {
    if (closed || !discoveryStarted) {
      return; // the first start is still running and reads the current instances anyway
    }
    watching = false;
    retired.add(cache);
    cache = newCache();
    startInBackground();
  }

  /** Delivers the cache's instances, or an error when the client is not connected. */
  private synchronized void deliver() {
    if (closed || !watching) {
      return;
    }
    if (!client.getZookeeperClient().isConnected()) {
      subscriber.onError("zookeeper not connected (" + description + ")");
      return;
    }
    List<Backend> backends = InstanceMapper.toBackends(cache.getInstances(),
        skipped -> log.warn("{}: skipped {}", description, skipped));
    subscriber.onBackends(backends);
  }

  private synchronized void error(String message) {
    if (!closed) {
      subscriber.onError(message);
    }
  }

  /**
   * Delivers the watched list again when connected (the watch needs no polling; this lets a pool confirm
   * recovery after an error), or tries again to start watching when that failed.
   */
  @Override
  public synchronized void refresh() {
    if (closed || !started) {
      return;
    }
    if (watching) {
      deliver();
    } else {
      startInBackground();
    }
  }

  @Override
  public void close() {
    List<ServiceCache<Object>> caches;
    ServiceDiscovery<Object> d;
    Thread s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      started = true;
      caches = new ArrayList<>(retired);
      caches.add(cache);
      retired.clear();
      d = discovery;
      s = starter;
    }
    caches.forEach(this::closeQuietly);
    closeQuietly(d); // unregisters self
    if (ownsClient) {
      client.close(); // also ends a start still retrying
    }
    if (s != null) {
      try {
        s.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("{}: close failed", description, e);
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
     * and registered again by Curator after a new session.
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
