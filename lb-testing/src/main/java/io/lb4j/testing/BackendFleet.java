package io.lb4j.testing;

import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A named set of {@link TestBackend}s, each on its own loopback address, started and stopped together; usually
 * owned by a {@link FleetExtension}.
 *
 * <p>Thread-safe: the set of backends is fixed at {@link Builder#build()}; each backend is thread-safe.
 * Lifecycle: built stopped; {@link #start()}, {@link #reset()} between tests, {@link #close()}.
 *
 * @since 0.1.0
 */
public final class BackendFleet implements AutoCloseable {

  private final Map<String, TestBackend> backends;

  private BackendFleet(Map<String, TestBackend> backends) {
    this.backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
  }

  /**
   * A builder for a fleet.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every backend that is not running.
   *
   * @return this fleet
   */
  public BackendFleet start() {
    backends.values().forEach(TestBackend::start);
    return this;
  }

  /**
   * Resets every backend: initial behaviour, empty recording, started.
   */
  public void reset() {
    backends.values().forEach(TestBackend::reset);
  }

  /** Stops every backend, ending all their threads. */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (TestBackend b : backends.values()) {
      try {
        b.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * A backend by name.
   *
   * @param name the backend's name
   * @return the backend
   * @throws NoSuchElementException if the fleet has no such backend
   */
  public TestBackend get(String name) {
    TestBackend b = backends.get(name);
    if (b == null) {
      throw new NoSuchElementException("no backend named '" + name + "' in the fleet " + backends.keySet());
    }
    return b;
  }

  /**
   * An HTTP backend by name.
   *
   * @param name the backend's name
   * @return the backend
   * @throws NoSuchElementException if the fleet has no such backend
   * @throws ClassCastException if it is a TCP backend
   */
  public HttpTestBackend http(String name) {
    return (HttpTestBackend) get(name);
  }

  /**
   * A TCP backend by name.
   *
   * @param name the backend's name
   * @return the backend
   * @throws NoSuchElementException if the fleet has no such backend
   * @throws ClassCastException if it is an HTTP backend
   */
  public TcpTestBackend tcp(String name) {
    return (TcpTestBackend) get(name);
  }

  /**
   * Every backend, in the order added.
   *
   * @return an immutable list
   */
  public List<TestBackend> all() {
    return List.copyOf(backends.values());
  }

  /**
   * Every backend as an lb-api {@link Backend} (name, address, port, weight), to configure a balancer with.
   * Call it after {@link #start()}: before, ports are not bound yet.
   *
   * @return an immutable list
   */
  public List<Backend> backends() {
    List<Backend> out = new ArrayList<>();
    for (TestBackend b : backends.values()) {
      out.add(b.backend());
    }
    return List.copyOf(out);
  }

  /**
   * How many application requests (HTTP, health probes excluded) or connections (TCP) each backend received.
   *
   * @return backend name to count, in the order added
   */
  public Map<String, Integer> hits() {
    Map<String, Integer> out = new LinkedHashMap<>();
    backends.forEach((name, b) -> out.put(name, b.recording().count()));
    return out;
  }

  /**
   * The weight of each backend.
   *
   * @return backend name to weight, in the order added
   */
  public Map<String, Integer> weights() {
    Map<String, Integer> out = new LinkedHashMap<>();
    backends.forEach((name, b) -> out.put(name, b.weight()));
    return out;
  }

  @Override
  public String toString() {
    return "BackendFleet" + backends.values();
  }

  /**
   * Builds a {@link BackendFleet}. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final Map<String, TestBackend> backends = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds an HTTP backend with a weight, on the next free loopback address.
     *
     * @param name a name unique in the fleet
     * @param weight 0 to 100
     * @return this builder
     */
    public Builder http(String name, int weight) {
      return add(HttpTestBackend.builder(name).weight(weight).build());
    }

    /**
     * Adds an HTTP backend configured by its own builder.
     *
     * @param backend the backend's builder
     * @return this builder
     */
    public Builder http(HttpTestBackend.Builder backend) {
      return add(backend.build());
    }

    /**
     * Adds an echoing TCP backend with a weight, on the next free loopback address.
     *
     * @param name a name unique in the fleet
     * @param weight 0 to 100
     * @return this builder
     */
    public Builder tcp(String name, int weight) {
      return add(TcpTestBackend.builder(name).weight(weight).build());
    }

    /**
     * Adds a TCP backend configured by its own builder.
     *
     * @param backend the backend's builder
     * @return this builder
     */
    public Builder tcp(TcpTestBackend.Builder backend) {
      return add(backend.build());
    }

    private Builder add(TestBackend backend) {
      Objects.requireNonNull(backend, "backend");
      if (backends.containsKey(backend.name())) {
        throw new IllegalStateException("fleet.backend '" + backend.name() + "' is added twice");
      }
      backends.put(backend.name(), backend);
      return this;
    }

    /**
     * Builds the fleet, not yet started.
     *
     * @return the fleet
     * @throws IllegalStateException if no backend was added
     */
    public BackendFleet build() {
      if (backends.isEmpty()) {
        throw new IllegalStateException("fleet must have at least one backend, was empty");
      }
      return new BackendFleet(backends);
    }
  }
}
