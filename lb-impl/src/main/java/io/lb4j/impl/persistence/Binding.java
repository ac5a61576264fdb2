package io.lb4j.impl.persistence;

/**
 * A session's binding to a backend, as found by {@link SessionAffinity#find}. Instances live in the
 * persistence tables (or the verified-cookie cache), so a lookup that hits returns an existing object
 * and allocates nothing.
 *
 * <p>Immutable as far as callers can see; thread-safe.
 */
public class Binding {

  /** The request carried a session (a cookie) that is forged, tampered with, expired or unknown. */
  public static final Binding INVALID = new Binding(null);

  private final String backendId;

  Binding(String backendId) {
    this.backendId = backendId;
  }

  /** The backend the session is bound to; null for {@link #INVALID}. */
  public final String backendId() {
    return backendId;
  }

  /** True for {@link #INVALID}. */
  public final boolean isInvalid() {
    return this == INVALID;
  }

  @Override
  public String toString() {
    return this == INVALID ? "Binding{invalid}" : "Binding{" + backendId + "}";
  }
}
