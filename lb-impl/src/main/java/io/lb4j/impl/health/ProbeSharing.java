package io.lb4j.impl.health;

import io.lb4j.api.health.HealthCheckPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One probe for every checker that checks the same thing the same way: a backend in several server groups (or
 * pools) whose checks have the same address, port, policy (type, request, expected answers, timeout, interval,
 * thresholds) and, for HTTP checks without a fixed {@code Host}, the same host name is probed once per
 * interval, by one {@link Target} (the leader). Each result is handed to every other such target (its
 * followers), which apply it to their own state machine and checker, so every pool sees the transitions it
 * would have seen probing on its own, and the backend receives one probe instead of one per group.
 *
 * <p>Not shared: targets of a disabled policy, with an unresolved address, or whose policy skips probes
 * after successful traffic (whether to skip depends on each pool's own traffic). Probe counters count a probe
 * once, in the leader's checker.
 *
 * <p>When the leader leaves (removed, or its checker's policy or the backend's address changed), its first
 * follower takes over the cadence. A follower whose address or policy no longer matches is detached when the
 * next result is handed out, and joins or leads under its new key.
 *
 * <p>Confined to the probe loop thread.
 */
final class ProbeSharing {

  /** What makes two probes the same probe. */
  record Key(InetAddress address, int port, HealthCheckPolicy policy, String httpHost) {}

  private final Map<Key, Target> leaders = new HashMap<>();

  /** The key {@code t} is probed under now, or null when it cannot share. */
  static Key keyOf(Target t) {
    PolicyView v = t.group.owner.view();
    InetAddress address = t.address;
    if (!v.enabled || address == null || v.skipWhenTrafficSucceeds) {
      return null;
    }
    // An HTTP check without a domain sends the backend's host (name or literal) as Host: part of the probe.
    String host = v.http && v.policy.domain() == null ? t.backend.host() : null;
    return new Key(address, HealthChecker.checkPort(v, t), v.policy, host);
  }

  /**
   * Lets {@code t} follow the leader of its key (true: it is {@link Target#FOLLOWING}; the caller takes it off
   * the heap), or makes it that key's leader, or leaves it unshared (false: the caller probes it).
   */
  boolean join(Target t) {
    Key k = keyOf(t);
    t.sharedKey = k;
    if (k == null) {
      return false;
    }
    Target leader = leaders.get(k);
    if (leader == null || leader == t) {
      leaders.put(k, t);
      return false;
    }
    t.leader = leader;
    if (leader.followers == null) {
      leader.followers = new ArrayList<>(2);
    }
    leader.followers.add(t);
    t.phase = Target.FOLLOWING;
    return true;
  }

  /**
   * Takes {@code t} out of sharing. A follower is simply detached (its phase is left to the caller); a leader
   * hands its followers to the first of them, which is returned for the caller to schedule (null when there is
   * none).
   */
  Target leave(Target t) {
    Target leader = t.leader;
    if (leader != null) {
      leader.followers.remove(t);
      t.leader = null;
      t.sharedKey = null;
      return null;
    }
    Key k = t.sharedKey;
    t.sharedKey = null;
    if (k == null || leaders.get(k) != t) {
      return null;
    }
    leaders.remove(k);
    List<Target> followers = t.followers;
    t.followers = null;
    if (followers == null || followers.isEmpty()) {
      return null;
    }
    Target next = followers.remove(0);
    next.leader = null;
    next.followers = followers;
    for (Target f : followers) {
      f.leader = next;
    }
    leaders.put(k, next);
    return next;
  }

  /** Whether {@code t} (a follower) is still probed by its leader's probe: same key as when it joined. */
  static boolean stillMatches(Target t) {
    Key k = t.sharedKey;
    return k != null && k.equals(keyOf(t));
  }

  /** How many keys have a leader (tests). */
  int leaders() {
    return leaders.size();
  }
}
