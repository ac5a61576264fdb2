package io.lb4j.impl.groups;

import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How a standby group's backends join the pool of the group they stand by for: after its own, as the tier
 * one above the highest priority among them ({@link Backend#priority()}; at most {@link Backend#MAX_PRIORITY}),
 * whatever priority they had, so the standby takes traffic only once every tier of the group has no eligible
 * backend. Stateless.
 */
public final class Standby {

  /**
   * The metadata key a standby backend carries in the pool it stands by in; its value is the standby group's
   * name, so views, status pages and diagnostics can tell standby backends from the group's own.
   */
  public static final String METADATA_KEY = io.lb4j.api.routing.ServerGroup.STANDBY_METADATA_KEY;

  private Standby() {}

  /** The standby's tier for {@code primary}: one above its highest priority (1 for an empty group). */
  public static int tier(List<Backend> primary) {
    int max = Backend.DEFAULT_PRIORITY;
    for (Backend b : primary) {
      max = Math.max(max, b.priority());
    }
    return Math.min(Backend.MAX_PRIORITY, max + 1);
  }

  /** Whether {@code b} joined its pool as a standby backend. */
  public static boolean isStandby(Backend b) {
    return b.metadata().containsKey(METADATA_KEY);
  }

  /**
   * The pool's membership: {@code primary} as it is, then each backend of {@code standby} at the standby's
   * tier, marked with {@link #METADATA_KEY} = {@code standbyName}. A standby backend whose id the group already
   * has is left out (ids are unique in a pool; listed groups are refused at build for this, a source's list can
   * still bring it).
   */
  public static List<Backend> merge(List<Backend> primary, List<Backend> standby, String standbyName) {
    if (standby.isEmpty()) {
      return primary;
    }
    int tier = tier(primary);
    List<Backend> merged = new ArrayList<>(primary.size() + standby.size());
    Set<String> ids = new HashSet<>();
    for (Backend b : primary) {
      merged.add(b);
      ids.add(b.id());
    }
    for (Backend b : standby) {
      if (ids.add(b.id())) {
        merged.add(b.toBuilder().priority(tier).metadata(METADATA_KEY, standbyName).build());
      }
    }
    return merged;
  }
}
