package io.lb4j.api.health;

/**
 * A class of HTTP status codes that an HTTP health check may count as normal.
 *
 * @since 0.1.0
 */
public enum StatusClass {
  /** 200-299. */
  HTTP_2XX,
  /** 300-399. */
  HTTP_3XX,
  /** 400-499. */
  HTTP_4XX,
  /** 500-599. */
  HTTP_5XX;

  /** The class of {@code status}, or null when it is outside 200-599. */
  public static StatusClass of(int status) {
    if (status < 200 || status > 599) {
      return null;
    }
    return values()[status / 100 - 2];
  }

  /** {@code 2xx}, {@code 3xx}, ... */
  public String label() {
    return (ordinal() + 2) + "xx";
  }
}
