package io.lb4j.testing;

import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that owns a {@link BackendFleet}: register it with {@code @RegisterExtension}.
 *
 * <ul>
 *   <li>In a {@code static} field the fleet starts once before all tests of the class and stops after them; before
 *       each test every backend is {@linkplain TestBackend#reset() reset} (initial behaviour, empty recording,
 *       running), so tests do not see each other's faults.
 *   <li>In an instance field the fleet starts before each test and stops after it.
 * </ul>
 *
 * <p>Stopping waits for every thread of the fleet to end, and fails the test if one does not. Test methods can
 * take the fleet as a parameter ({@link BackendFleet}), or a backend by name ({@link BackendName}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final FleetExtension FLEET = FleetExtension.of(BackendFleet.builder().http("a", 3).http("b", 1).build());
 *
 * @Test
 * void failover(@BackendName("a") HttpTestBackend a, BackendFleet fleet) { ... }
 * }</pre>
 *
 * <p>Thread-safe as far as JUnit needs: callbacks run on JUnit's thread; the fleet itself is thread-safe.
 *
 * @since 0.1.0
 */
public final class FleetExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback, ParameterResolver {

  private final BackendFleet fleet;
  private volatile boolean perClass;

  private FleetExtension(BackendFleet fleet) {
    this.fleet = Objects.requireNonNull(fleet, "fleet");
  }

  /**
   * An extension owning {@code fleet}.
   *
   * @param fleet a fleet, not yet started
   * @return the extension
   */
  public static FleetExtension of(BackendFleet fleet) {
    return new FleetExtension(fleet);
  }

  /**
   * The fleet.
   *
   * @return the fleet
   */
  public BackendFleet fleet() {
    return fleet;
  }

  /**
   * An HTTP backend of the fleet by name.
   *
   * @param name the backend's name
   * @return the backend
   */
  public HttpTestBackend http(String name) {
    return fleet.http(name);
  }

  /**
   * A TCP backend of the fleet by name.
   *
   * @param name the backend's name
   * @return the backend
   */
  public TcpTestBackend tcp(String name) {
    return fleet.tcp(name);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    fleet.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (perClass) {
      fleet.reset();
    } else {
      fleet.start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      fleet.close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    fleet.close();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == BackendFleet.class) {
      return true;
    }
    Optional<BackendName> name = parameter.findAnnotation(BackendName.class);
    return name.isPresent() && TestBackend.class.isAssignableFrom(type);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == BackendFleet.class) {
      return fleet;
    }
    String name = parameter.findAnnotation(BackendName.class).orElseThrow().value();
    TestBackend backend;
    try {
      backend = fleet.get(name);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException(e.getMessage(), e);
    }
    if (!type.isInstance(backend)) {
      throw new ParameterResolutionException("backend '" + name + "' is a " + backend.getClass().getSimpleName()
          + ", the parameter wants a " + type.getSimpleName());
    }
    return backend;
  }
}
