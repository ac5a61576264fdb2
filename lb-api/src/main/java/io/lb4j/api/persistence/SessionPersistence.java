package io.lb4j.api.persistence;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Objects;

/**
 * Session persistence (stickiness): whether and how requests of one client keep going to the backend
 * they first got.
 *
 * <ul>
 *   <li>{@link Mode#NONE}: every request is scheduled on its own.
 *   <li>{@link Mode#SOURCE_IP} (Layer 4 and 7): a client address stays on its backend for
 *       {@code timeout} (0-3600 s) after its last request or connection; 0 keeps it only while the
 *       client has connections open. Kept in a table bounded by {@code maxEntries}.
 *   <li>{@link Mode#INSERT_COOKIE} (Layer 7): the balancer sets a signed cookie naming the backend, valid
 *       for {@code timeout} (1-86400 s). Stateless: any balancer holding the same key honours it.
 *   <li>{@link Mode#SERVER_COOKIE} (Layer 7): the application sets a cookie named {@code cookieName};
 *       the balancer learns which backend set each value and routes requests carrying it there. Entries
 *       expire {@code timeout} (1-86400 s) after last use, in a table bounded by {@code maxEntries}.
 * </ul>
 *
 * <p>Stickiness never routes to an ineligible backend: when the remembered one is unhealthy, drained or
 * gone, the request is scheduled anew and the session moves. Persistence concentrates load on some
 * backends (a few heavy clients stay where they are), which is why stress tests turn it off.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class SessionPersistence {

  /** The kinds of persistence. */
  public enum Mode {
    /** No persistence. */
    NONE,
    /** By client address. */
    SOURCE_IP,
    /** By a cookie the balancer inserts. */
    INSERT_COOKIE,
    /** By a cookie the application sets. */
    SERVER_COOKIE;

    /** True for the cookie modes, which need a Layer-7 listener. */
    public boolean isCookie() {
      return this == INSERT_COOKIE || this == SERVER_COOKIE;
    }
  }

  /** The name of the inserted cookie when none is set. */
  public static final String DEFAULT_COOKIE_NAME = "LB4J_SESSION";
  /** The default source-IP persistence timeout. */
  public static final Duration DEFAULT_SOURCE_IP_TIMEOUT = Duration.ofSeconds(1000);
  /** The default cookie timeout (insert cookie) and table entry timeout (server cookie). */
  public static final Duration DEFAULT_COOKIE_TIMEOUT = Duration.ofSeconds(1000);
  /** The default bound of the source-IP and server-cookie tables. */
  public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

  private static final Duration MAX_SOURCE_IP_TIMEOUT = Duration.ofSeconds(3600);
  private static final Duration MIN_COOKIE_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_COOKIE_TIMEOUT = Duration.ofSeconds(86400);
  private static final int MAX_MAX_ENTRIES = 100_000_000;
  private static final SessionPersistence NONE = new Builder(Mode.NONE).build();

  private final Mode mode;
  private final Duration timeout;
  private final String cookieName;
  private final int maxEntries;

  private SessionPersistence(Builder b) {
    this.mode = b.mode;
    this.timeout = b.timeout;
    this.cookieName = b.cookieName;
    this.maxEntries = b.maxEntries;
  }

  /** No persistence. */
  public static SessionPersistence none() {
    return NONE;
  }

  /** Source-IP persistence with the given timeout (0-3600 s) and the default table bound. */
  public static SessionPersistence sourceIp(Duration timeout) {
    return builder(Mode.SOURCE_IP).timeout(timeout).build();
  }

  /** Inserted-cookie persistence with the default cookie name and the given cookie timeout (1-86400 s). */
  public static SessionPersistence insertCookie(Duration cookieTimeout) {
    return builder(Mode.INSERT_COOKIE).timeout(cookieTimeout).build();
  }

  /** Server-cookie persistence following the application's cookie {@code cookieName}. */
  public static SessionPersistence serverCookie(String cookieName) {
    return builder(Mode.SERVER_COOKIE).cookieName(cookieName).build();
  }

  /** A builder for the given mode, with that mode's defaults. */
  public static Builder builder(Mode mode) {
    return new Builder(Objects.requireNonNull(mode, "sessionPersistence.mode"));
  }

  /** The kind of persistence. */
  public Mode mode() {
    return mode;
  }

  /** True unless the mode is {@link Mode#NONE}. */
  public boolean enabled() {
    return mode != Mode.NONE;
  }

  /**
   * Source IP: how long a client stays after its last request (0: while it has connections open).
   * Insert cookie: the cookie's {@code Max-Age}. Server cookie: how long an unused value is remembered.
   * {@link Duration#ZERO} for {@link Mode#NONE}.
   */
  public Duration timeout() {
    return timeout;
  }

  /** The cookie's name for the cookie modes; null otherwise. */
  public String cookieName() {
    return cookieName;
  }

  /** The table bound for source IP and server cookie; 0 for the other modes, which keep no table. */
  public int maxEntries() {
    return maxEntries;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SessionPersistence)) {
      return false;
    }
    SessionPersistence p = (SessionPersistence) o;
    return mode == p.mode && timeout.equals(p.timeout) && Objects.equals(cookieName, p.cookieName)
        && maxEntries == p.maxEntries;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, timeout, cookieName, maxEntries);
  }

  @Override
  public String toString() {
    if (mode == Mode.NONE) {
      return "SessionPersistence{none}";
    }
    return "SessionPersistence{" + mode + " timeout=" + format(timeout)
        + (cookieName != null ? " cookie=" + cookieName : "")
        + (maxEntries > 0 ? " maxEntries=" + maxEntries : "") + "}";
  }

  /**
   * Builds a {@link SessionPersistence} for one mode. Setters validate their value against that mode's
   * range; a setting that does not apply to the mode throws {@link IllegalStateException}. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Mode mode;
    private Duration timeout;
    private String cookieName;
    private int maxEntries;

    private Builder(Mode mode) {
      this.mode = mode;
      switch (mode) {
        case SOURCE_IP:
          timeout = DEFAULT_SOURCE_IP_TIMEOUT;
          maxEntries = DEFAULT_MAX_ENTRIES;
          break;
        case INSERT_COOKIE:
          timeout = DEFAULT_COOKIE_TIMEOUT;
          cookieName = DEFAULT_COOKIE_NAME;
          break;
        case SERVER_COOKIE:
          timeout = DEFAULT_COOKIE_TIMEOUT;
          maxEntries = DEFAULT_MAX_ENTRIES;
          break;
        default:
          timeout = Duration.ZERO;
      }
    }

    /** Source IP: 0-3600s. Insert and server cookie: 1-86400s. */
    public Builder timeout(Duration timeout) {
      checkState(mode != Mode.NONE, "sessionPersistence.timeout does not apply when sessionPersistence.mode is NONE");
      this.timeout = mode == Mode.SOURCE_IP
          ? checkRange("sessionPersistence.timeout", timeout, Duration.ZERO, MAX_SOURCE_IP_TIMEOUT)
          : checkRange("sessionPersistence.timeout", timeout, MIN_COOKIE_TIMEOUT, MAX_COOKIE_TIMEOUT);
      return this;
    }

    /** The cookie's name, 1-200 characters of A-Z a-z 0-9 '_' '-'; cookie modes only. */
    public Builder cookieName(String name) {
      checkState(mode.isCookie(), "sessionPersistence.cookieName applies to INSERT_COOKIE and SERVER_COOKIE only, but sessionPersistence.mode is " + mode);
      this.cookieName = checkCharset("sessionPersistence.cookieName", name, 1, 200, "A-Z a-z 0-9 '_' '-'",
          c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
      return this;
    }

    /** The table bound, 1-100000000 (default 1000000); source IP and server cookie only. */
    public Builder maxEntries(int maxEntries) {
      checkState(mode == Mode.SOURCE_IP || mode == Mode.SERVER_COOKIE,
          "sessionPersistence.maxEntries applies to SOURCE_IP and SERVER_COOKIE only, but sessionPersistence.mode is " + mode);
      this.maxEntries = checkRange("sessionPersistence.maxEntries", maxEntries, 1, MAX_MAX_ENTRIES);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when a server-cookie policy has no cookie name
     */
    public SessionPersistence build() {
      checkState(mode != Mode.SERVER_COOKIE || cookieName != null,
          "sessionPersistence.cookieName is required when sessionPersistence.mode is SERVER_COOKIE");
      return new SessionPersistence(this);
    }
  }
}
