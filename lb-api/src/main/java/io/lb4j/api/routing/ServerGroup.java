package io.lb4j.api.routing;

import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Backend;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named server group of a listener (the reference's "Server Group", a cloud balancer's VServer group): its
 * backends, listed or from a {@link BackendSource}, the {@link PoolSettings} they run under (scheduler, health
 * check, session persistence, outlier detection, draining, slow start; the listener's when none are given),
 * and an optional standby group. A listener serves each group that a forwarding rule or the default names
 * with a pool of its own, named {@code <listener>/<group>}.
 *
 * <p><b>Standby.</b> {@link Builder#standby(String)} names another group of the same listener whose backends
 * take this group's traffic only while none of this group's own backends is eligible (HAProxy's
 * {@code backup} servers, Envoy's priority levels, the reference balancer's active/standby server group): they
 * join this group's pool as the tier after its own ({@link Backend#priority()}: one above the highest
 * priority of this group's backends, whatever priority they had), marked with {@link #STANDBY_METADATA_KEY}, are
 * checked with this group's health check, and give the traffic back as soon as one of this group's backends is
 * eligible again.
 *
 * <p><b>Identity across changes.</b> Two groups are equal when their name, backends, settings, discovery
 * policy and standby are equal and their source is the same instance (a source belongs to one pool while it
 * runs). A listener reconfigured with an equal group keeps that group's pool as it is; with a group of the same
 * name whose backends or health check changed, it updates the pool in place; otherwise it builds a new pool.
 *
 * <p>Immutable and thread-safe (the source it holds is the caller's, and is thread-safe by its contract).
 *
 * @since 0.1.0
 */
public final class ServerGroup {

  /**
   * The metadata key a standby backend carries in the pool of the group it stands by for; its value is the
   * standby group's name, so views, status pages and diagnostics can tell standby backends from the group's own.
   */
  public static final String STANDBY_METADATA_KEY = "lb4j.standbyOf";

  private final String name;
  private final List<Backend> backends;
  private final BackendSource source;
  private final DiscoveryPolicy discoveryPolicy;
  private final PoolSettings settings;
  private final String standby;

  private ServerGroup(Builder b) {
    this.name = b.name;
    this.backends = Collections.unmodifiableList(new ArrayList<>(b.backends));
    this.source = b.source;
    this.discoveryPolicy = b.discoveryPolicy;
    this.settings = b.settings;
    this.standby = b.standby;
  }

  /**
   * A builder for a group.
   *
   * @param name 1-80 characters of {@code A-Z a-z 0-9 '-' '_' '.'}, unique within the listener
   * @return a new builder
   * @throws IllegalArgumentException naming the field, the value and the allowed characters
   */
  public static Builder builder(String name) {
    return new Builder(ForwardingRule.checkGroup(name));
  }

  /**
   * A group of listed backends under the listener's settings.
   *
   * @param name the group's name
   * @param backends its backends, ids unique
   * @return the group
   */
  public static ServerGroup of(String name, Collection<Backend> backends) {
    return builder(name).backends(backends).build();
  }

  /**
   * A builder holding this group's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.backends.addAll(backends);
    b.source = source;
    b.discoveryPolicy = discoveryPolicy;
    b.settings = settings;
    b.standby = standby;
    return b;
  }

  /**
   * The group's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The listed backends, in order; empty when a {@link #source()} provides them.
   *
   * @return an unmodifiable list
   */
  public List<Backend> backends() {
    return backends;
  }

  /**
   * Where the backends come from instead of a list, or null.
   *
   * @return the source, or null
   */
  public BackendSource source() {
    return source;
  }

  /**
   * How the group's pool treats its {@link #source()}.
   *
   * @return the policy ({@link DiscoveryPolicy#defaults()} unless set)
   */
  public DiscoveryPolicy discoveryPolicy() {
    return discoveryPolicy;
  }

  /**
   * The settings the group's pool runs under, or null for the listener's own ({@code Listener#poolSettings()}).
   *
   * @return the settings, or null
   */
  public PoolSettings settings() {
    return settings;
  }

  /**
   * The group whose backends stand by for this one, or null (a listener may name one for every group,
   * {@link Routing.Builder#standby(String)}).
   *
   * @return the standby group's name, or null
   */
  public String standby() {
    return standby;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServerGroup)) {
      return false;
    }
    ServerGroup g = (ServerGroup) o;
    return name.equals(g.name) && source == g.source && backendsEqual(backends, g.backends)
        && discoveryPolicy.equals(g.discoveryPolicy) && Objects.equals(settings, g.settings)
        && Objects.equals(standby, g.standby);
  }

  /** Equal lists of equal backends with equal attributes (a backend's equality is its identity alone). */
  static boolean backendsEqual(List<Backend> a, List<Backend> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Backend x = a.get(i);
      Backend y = b.get(i);
      if (!x.equals(y) || x.weight() != y.weight() || x.priority() != y.priority() || x.enabled() != y.enabled()
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, backends, System.identityHashCode(source), settings, standby);
  }

  @Override
  public String toString() {
    return "ServerGroup{" + name + " " + (source != null ? source.description() : backends.size() + " backends")
        + (settings == null ? "" : " " + settings) + (standby == null ? "" : " standby=" + standby) + "}";
  }

  /**
   * Builds a {@link ServerGroup}; each setter validates its value, {@link #build()} the combination. Not
   * thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final String name;
    private final List<Backend> backends = new ArrayList<>();
    private BackendSource source;
    private DiscoveryPolicy discoveryPolicy = DiscoveryPolicy.defaults();
    private PoolSettings settings;
    private String standby;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Adds backends (ids unique within the group).
     *
     * @param backends the backends
     * @return this builder
     */
    public Builder backends(Collection<Backend> backends) {
      Objects.requireNonNull(backends, "serverGroup.backends");
      for (Backend b : backends) {
        backend(b);
      }
      return this;
    }

    /**
     * Adds one backend.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder backend(Backend backend) {
      backends.add(Objects.requireNonNull(backend, "serverGroup.backend"));
      return this;
    }

    /**
     * Takes the backends from {@code source} instead of a list; the group's pool starts and closes it.
     *
     * @param source the source
     * @return this builder
     */
    public Builder source(BackendSource source) {
      this.source = Objects.requireNonNull(source, "serverGroup.source");
      return this;
    }

    /**
     * How the pool treats the source (default {@link DiscoveryPolicy#defaults()}).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder discoveryPolicy(DiscoveryPolicy policy) {
      this.discoveryPolicy = Objects.requireNonNull(policy, "serverGroup.discoveryPolicy");
      return this;
    }

    /**
     * The settings of the group's pool (default: the listener's).
     *
     * @param settings the settings
     * @return this builder
     */
    public Builder settings(PoolSettings settings) {
      this.settings = Objects.requireNonNull(settings, "serverGroup.settings");
      return this;
    }

    /**
     * The group of the same listener whose backends stand by for this one (see the class javadoc).
     *
     * @param group the standby group's name
     * @return this builder
     */
    public Builder standby(String group) {
      this.standby = ForwardingRule.checkGroup(group);
      return this;
    }

    /**
     * Builds the group.
     *
     * @return the group
     * @throws IllegalStateException when both backends and a source are given, two backends share an id, or
     *     the group names itself as its standby
     */
    public ServerGroup build() {
      if (source != null && !backends.isEmpty()) {
        throw new IllegalStateException("serverGroup " + name + ": backends and source are exclusive (a source"
            + " owns the membership), was " + backends.size() + " backends and " + source.description());
      }
      Set<String> ids = new HashSet<>();
      for (Backend b : backends) {
        if (!ids.add(b.id())) {
          throw new IllegalStateException("serverGroup " + name + ": backend ids must be unique, was '" + b.id()
              + "' twice");
        }
      }
      checkState(!name.equals(standby), "serverGroup " + name + ": a group cannot be its own standby");
      return new ServerGroup(this);
    }
  }
}
