package io.lb4j.impl.routing;

/**
 * What a {@link RouteTable} decided for one request: a server group, or a refusal with its status (400 for a
 * request without a usable {@code Host} or with a path that cannot be normalized, 404 when no rule matches and
 * there is no default group). The caller maps the status to its answer. Immutable; the table hands out
 * preallocated instances, so a match allocates nothing.
 *
 * @since 0.1.0
 */
public final class Route {

  /** No rule matched and the table has no default group: 404. */
  public static final Route NOT_FOUND = new Route(null, 404, "no forwarding rule matches the request");
  /** The request has no {@code Host} (HTTP/1.1) or an invalid one: 400, never the default group. */
  public static final Route BAD_HOST = new Route(null, 400, "the request has no usable Host");

  private final String group;
  private final int status;
  private final String reason;

  Route(String group, int status, String reason) {
    this.group = group;
    this.status = status;
    this.reason = reason;
  }

  /** The server group, or null for a refusal. */
  public String group() {
    return group;
  }

  /** True when the request goes to {@link #group()}. */
  public boolean matched() {
    return group != null;
  }

  /** 0 for a group, else the status to answer with (400 or 404). */
  public int status() {
    return status;
  }

  /** Why the request is refused (for the answer's body and the log), or the group's name. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return group != null ? "Route{" + group + "}" : "Route{" + status + " " + reason + "}";
  }
}
