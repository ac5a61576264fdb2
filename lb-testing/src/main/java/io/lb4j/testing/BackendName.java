package io.lb4j.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the fleet backend a test method parameter receives from a {@link FleetExtension}:
 * {@code void test(@BackendName("a") HttpTestBackend a)}.
 *
 * @since 0.1.0
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface BackendName {

  /**
   * The backend's name in the fleet.
   *
   * @return the name
   */
  String value();
}
