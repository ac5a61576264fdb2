package io.lb4j.impl.diagnostics;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.client.ClientMetrics;
import io.lb4j.impl.pool.DefaultLoadBalancer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Examines a running pool, its listeners and its host, and says which of the causes in a cloud
 * balancer's troubleshooting guide apply, each as a {@link Finding} with evidence and a fix.
 *
 * <pre>{@code
 * Diagnostics diagnostics = Diagnostics.builder().build();
 * Report report = diagnostics.examine(pool, List.of(listenerSnapshot)); // a gateway's pool
 * Report report = diagnostics.examine(pool);                            // a client-side pool
 * Report report = diagnostics.examine(pool, client.metrics());           // ... and its BalancedHttpClient
 * System.out.println(report.toText());
 * }</pre>
 *
 * <p>What it looks at: the pool's view, health history and policies; the listeners' counters, through
 * {@link ListenerSnapshot}s; a {@code BalancedHttpClient}'s counters, through its {@link ClientMetrics}; on Linux the host's {@code /proc} (reverse-path filtering, accept queues,
 * {@code somaxconn}, TIME_WAIT sockets). An unhealthy backend's traffic port is probed with one real TCP
 * connect, and backend host names are resolved, so an examination may take up to
 * {@link Builder#portProbeTimeout(Duration)} per probed backend; it never runs on a request path. A source that
 * cannot be read (no {@code /proc}, another OS) gives a {@link FindingCode#SOURCE_UNAVAILABLE} finding; an
 * examination never throws because of the host.
 *
 * <p>Thread-safe. Counters are judged by their growth: the host's accept-queue counters and each
 * listener's answer counts and each client's refused retries are kept from one examination to the next, so a finding based on them clears
 * once the count stops growing (the first examination of a listener judges its totals; accept-queue
 * overflows need two). Keep one instance per pool, or a {@link PeriodicCheck}, for the most useful reports.
 *
 * @since 0.1.0
 */
public final class Diagnostics {

  /** The default /proc root. */
  public static final Path DEFAULT_PROC_ROOT = Path.of("/proc");
  /** The default number of health transitions of one backend allowed within the flapping window. */
  public static final int DEFAULT_FLAPPING_TRANSITIONS = 6;
  /** The default flapping window. */
  public static final Duration DEFAULT_FLAPPING_WINDOW = Duration.ofMinutes(10);
  /** The default probes per minute per backend from which HTTP check volume is reported. */
  public static final int DEFAULT_PROBE_VOLUME_THRESHOLD = 30;
  /** The default count of TIME_WAIT sockets towards one backend from which it is reported. */
  public static final int DEFAULT_TIME_WAIT_THRESHOLD = 1000;
  /** The default share of its weighted share a backend may take with persistence on, in percent. */
  public static final int DEFAULT_PERSISTENCE_SKEW_PERCENT = 150;
  /** The default number of picks the pool must have made before persistence skew is judged. */
  public static final int DEFAULT_PERSISTENCE_MIN_PICKS = 100;
  /** The default share of the request timeout above which a response-time p99 is reported, in percent. */
  public static final int DEFAULT_SLOW_RESPONSE_PERCENT = 80;
  /** The default connect timeout of the probe of an unhealthy backend's traffic port. */
  public static final Duration DEFAULT_PORT_PROBE_TIMEOUT = Duration.ofSeconds(1);
  /** The default cap on traffic-port probes per examination. */
  public static final int DEFAULT_MAX_PORT_PROBES = 16;
  /** How long a forwarding rule must match nothing, by default, before it is reported. */
  public static final Duration DEFAULT_RULE_IDLE_TIME = Duration.ofMinutes(10);
  /** How many other requests the listener must route meanwhile, by default, before an idle rule is reported. */
  public static final int DEFAULT_RULE_IDLE_REQUESTS = 1000;

  final Clock clock;
  final int flappingTransitions;
  final Duration flappingWindow;
  final int probeVolumeThreshold;
  final int persistenceSkewPercent;
  final int persistenceMinPicks;
  final int slowResponsePercent;
  final Duration portProbeTimeout;
  final int maxPortProbes;
  final Duration ruleIdleTime;
  final int ruleIdleRequests;
  final Fixes fixes;
  private final PoolFindings poolFindings;
  private final HealthCheckFindings healthFindings;
  private final ListenerFindings listenerFindings;
  private final RoutingFindings routingFindings;
  private final ClientFindings clientFindings;
  private final LoadFindings loadFindings = new LoadFindings();
  private final HostFindings hostFindings;

  private Diagnostics(Builder b) {
    this.clock = b.clock;
    this.flappingTransitions = b.flappingTransitions;
    this.flappingWindow = b.flappingWindow;
    this.probeVolumeThreshold = b.probeVolumeThreshold;
    this.persistenceSkewPercent = b.persistenceSkewPercent;
    this.persistenceMinPicks = b.persistenceMinPicks;
    this.slowResponsePercent = b.slowResponsePercent;
    this.portProbeTimeout = b.portProbeTimeout;
    this.maxPortProbes = b.maxPortProbes;
    this.ruleIdleTime = b.ruleIdleTime;
    this.ruleIdleRequests = b.ruleIdleRequests;
    this.fixes = new Fixes(b.fixStyle);
    this.poolFindings = new PoolFindings(this);
    this.healthFindings = new HealthCheckFindings(this);
    this.listenerFindings = new ListenerFindings(this);
    this.routingFindings = new RoutingFindings(this);
    this.clientFindings = new ClientFindings();
    this.hostFindings = new HostFindings(new ProcFs(b.procRoot), b.timeWaitThreshold);
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Examines a pool served by {@code listeners} (a gateway's pool): an empty list is itself a finding
   * ({@link FindingCode#NO_LISTENER}).
   */
  public Report examine(LoadBalancer pool, List<ListenerSnapshot> listeners) {
    Objects.requireNonNull(listeners, "listeners");
    return run(pool, List.copyOf(listeners), true, null);
  }

  /** Examines a client-side pool, which no listener serves: the listener findings are skipped. */
  public Report examine(LoadBalancer pool) {
    return run(pool, List.of(), false, null);
  }

  /**
   * Examines a client-side pool and the counters of the {@code BalancedHttpClient} that sends to it
   * ({@code client.metrics()}): besides what {@link #examine(LoadBalancer)} finds,
   * {@link FindingCode#RETRY_BUDGET_EXHAUSTED} when the client's budgets refused retries since the
   * previous examination of that client (the first examination judges its totals).
   */
  public Report examine(LoadBalancer pool, ClientMetrics client) {
    Objects.requireNonNull(client, "client");
    return run(pool, List.of(), false, client);
  }

  private Report run(LoadBalancer pool, List<ListenerSnapshot> snapshots, boolean served, ClientMetrics client) {
    Objects.requireNonNull(pool, "pool");
    List<BackendView> view = pool.view();
    DefaultLoadBalancer built = pool instanceof DefaultLoadBalancer d ? d : null;
    Examined e = new Examined(pool, pool.name(), pool.settings(), pool.listener(), pool.healthCheck(), view,
        resolve(view), clock.instant(), built == null ? null : built.subsetStatus().orElse(null),
        built == null ? null : built.loadAwareMetrics().orElse(null));
    List<Finding> out = new ArrayList<>();
    if (served) {
      guarded("listeners", out, () -> listenerFindings.examine(e, snapshots, out));
      guarded("routing", out, () -> routingFindings.examine(e, snapshots, out));
    }
    if (client != null) {
      guarded("client", out, () -> clientFindings.examine(e, client, out));
    }
    guarded("pool", out, () -> poolFindings.examine(e, out));
    guarded("health checks", out, () -> healthFindings.examine(e, out));
    guarded("load reports", out, () -> loadFindings.examine(e, out));
    guarded("host", out, () -> hostFindings.examine(e, snapshots, out));
    return new Report(e.name(), e.now(), out);
  }

  /**
   * Runs one group of findings; an unexpected failure (a source in a shape nobody foresaw) becomes a
   * finding that says the group could not be examined, so the other groups still report.
   */
  private static void guarded(String group, List<Finding> out, Runnable findings) {
    try {
      findings.run();
    } catch (RuntimeException e) {
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("error", e.toString());
      out.add(new Finding(FindingCode.SOURCE_UNAVAILABLE, Severity.INFO, "diagnostics " + group,
          "the " + group + " findings could not be examined", evidence,
          "Nothing to fix in the pool; report the error to lb4j with this report."));
    }
  }

  /** {@code backend a (127.0.0.1:8080)}: how findings name a backend. */
  static String subject(Backend b) {
    return "backend " + b.id() + " (" + b.authority() + ")";
  }

  /** The backends' addresses; a host that does not resolve is left out (the health findings cover it). */
  static Map<Backend, InetAddress> resolve(List<BackendView> view) {
    Map<Backend, InetAddress> addresses = new LinkedHashMap<>();
    for (BackendView v : view) {
      try {
        addresses.put(v.backend(), InetAddress.getByName(v.backend().host()));
      } catch (UnknownHostException | SecurityException e) {
        // not resolvable now: nothing address-based can be said about it
      }
    }
    return addresses;
  }

  /**
   * Builds {@link Diagnostics}. Each setter validates its value and throws {@link IllegalArgumentException}
   * naming the field, the value and the allowed range. Not thread-safe.
   */
  public static final class Builder {
    private Path procRoot = DEFAULT_PROC_ROOT;
    private Clock clock = Clock.systemUTC();
    private int flappingTransitions = DEFAULT_FLAPPING_TRANSITIONS;
    private Duration flappingWindow = DEFAULT_FLAPPING_WINDOW;
    private int probeVolumeThreshold = DEFAULT_PROBE_VOLUME_THRESHOLD;
    private int timeWaitThreshold = DEFAULT_TIME_WAIT_THRESHOLD;
    private int persistenceSkewPercent = DEFAULT_PERSISTENCE_SKEW_PERCENT;
    private int persistenceMinPicks = DEFAULT_PERSISTENCE_MIN_PICKS;
    private int slowResponsePercent = DEFAULT_SLOW_RESPONSE_PERCENT;
    private Duration portProbeTimeout = DEFAULT_PORT_PROBE_TIMEOUT;
    private int maxPortProbes = DEFAULT_MAX_PORT_PROBES;
    private Duration ruleIdleTime = DEFAULT_RULE_IDLE_TIME;
    private int ruleIdleRequests = DEFAULT_RULE_IDLE_REQUESTS;
    private FixStyle fixStyle = FixStyle.JAVA_API;

    private Builder() {}

    /**
     * How fixes name what to change (default {@link FixStyle#JAVA_API}); the gateway asks for
     * {@link FixStyle#GATEWAY_YAML}, so its operators are told which key of the file to change.
     */
    public Builder fixStyle(FixStyle style) {
      this.fixStyle = Objects.requireNonNull(style, "diagnostics.fixStyle");
      return this;
    }

    /** Where {@code /proc} is (default {@code /proc}); tests point it at a fake tree. */
    public Builder procRoot(Path root) {
      this.procRoot = Objects.requireNonNull(root, "diagnostics.procRoot");
      return this;
    }

    /**
     * The clock that stamps reports and ends the flapping window (default UTC system clock); give it the
     * pool's clock when the pool was built with another one, since health history is stamped by the pool.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "diagnostics.clock");
      return this;
    }

    /**
     * Flapping: more than {@code maxTransitions} (1-1000, default 6) health transitions of one backend
     * within {@code window} (1s-3d, the history's retention; default 10 minutes).
     */
    public Builder flapping(int maxTransitions, Duration window) {
      int transitions = checkRange("diagnostics.flappingTransitions", maxTransitions, 1, 1000);
      this.flappingWindow = checkRange("diagnostics.flappingWindow", window, Duration.ofSeconds(1), Duration.ofDays(3));
      this.flappingTransitions = transitions;
      return this;
    }

    /** HTTP probes per minute per backend from which probe volume is reported, 1-6000 (default 30: every 2s). */
    public Builder probeVolumeThreshold(int probesPerMinute) {
      this.probeVolumeThreshold = checkRange("diagnostics.probeVolumeThreshold", probesPerMinute, 1, 6000);
      return this;
    }

    /** TIME_WAIT sockets towards one backend from which they are reported, 1-1000000 (default 1000). */
    public Builder timeWaitThreshold(int sockets) {
      this.timeWaitThreshold = checkRange("diagnostics.timeWaitThreshold", sockets, 1, 1_000_000);
      return this;
    }

    /**
     * Persistence skew: a backend taking more than {@code percentOfWeightedShare} (101-1000, default 150)
     * of its weighted share of picks, judged once the pool made {@code minPicks} (1-1000000000, default
     * 100) picks.
     */
    public Builder persistenceSkew(int percentOfWeightedShare, int minPicks) {
      int percent = checkRange("diagnostics.persistenceSkewPercent", percentOfWeightedShare, 101, 1000);
      this.persistenceMinPicks = checkRange("diagnostics.persistenceMinPicks", minPicks, 1, 1_000_000_000);
      this.persistenceSkewPercent = percent;
      return this;
    }

    /** The share of the request timeout a response-time p99 may reach, 1-100 percent (default 80). */
    public Builder slowResponsePercent(int percent) {
      this.slowResponsePercent = checkRange("diagnostics.slowResponsePercent", percent, 1, 100);
      return this;
    }

    /** The connect timeout of the probe of an unhealthy backend's traffic port, 10ms-10s (default 1s). */
    public Builder portProbeTimeout(Duration timeout) {
      this.portProbeTimeout = checkRange("diagnostics.portProbeTimeout", timeout, Duration.ofMillis(10),
          Duration.ofSeconds(10));
      return this;
    }

    /** The most traffic-port probes in one examination, 0-1000 (default 16); 0 turns them off. */
    public Builder maxPortProbes(int max) {
      this.maxPortProbes = checkRange("diagnostics.maxPortProbes", max, 0, 1000);
      return this;
    }

    /**
     * When a forwarding rule that matches nothing is reported ({@link FindingCode#RULE_NEVER_MATCHES}): after
     * {@code time} (1s-7d, default 10 minutes) and {@code otherRequests} (1-1000000000, default 1000) requests
     * routed by other rules or the default, both counted from the examination that first saw the rule or last
     * saw it match.
     *
     * @since 0.1.0
     */
    public Builder ruleIdle(int otherRequests, Duration time) {
      int requests = checkRange("diagnostics.ruleIdleRequests", otherRequests, 1, 1_000_000_000);
      this.ruleIdleTime = checkRange("diagnostics.ruleIdleTime", time, Duration.ofSeconds(1), Duration.ofDays(7));
      this.ruleIdleRequests = requests;
      return this;
    }

    /** Builds the diagnostics. */
    public Diagnostics build() {
      return new Diagnostics(this);
    }
  }
}
