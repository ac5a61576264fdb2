package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.impl.discovery.DeterministicSubset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pool's deterministic subset: the whole membership it was given (fixed backends, {@code setBackends},
 * {@code addBackend}, its source's lists) and, from it, the backends this client uses
 * ({@link DeterministicSubset#subset}). Only the subset reaches the {@link MemberTable}, so only the subset is
 * balanced over and health-checked: probes per backend grow with {@code clients x subsetSize / backends}, not
 * with the number of clients.
 *
 * <p>Every change of the membership recomputes the subset from the whole list, and the member table applies
 * the difference as one change (one diff, one publication). The subset depends on the backends' ids only, so
 * a change of weight or metadata moves no backend in or out.
 *
 * <p>Confined to the pool's {@link ControlContext}; {@link #membershipSize()} and {@link #subsetSize()} are
 * also read by other threads (volatile).
 */
final class Subsetting {

  private final SubsetPolicy policy;
  /** The whole membership by id, in the order given. */
  private Map<String, Backend> membership = new LinkedHashMap<>();
  private volatile int membershipSize;
  private volatile int subsetSize;

  Subsetting(SubsetPolicy policy) {
    this.policy = policy;
  }

  SubsetPolicy policy() {
    return policy;
  }

  /** How many backends the pool was given, in or out of its subset. Any thread. */
  int membershipSize() {
    return membershipSize;
  }

  /** How many of them are in the subset. Any thread. */
  int subsetSize() {
    return subsetSize;
  }

  /** Whether a backend of that id was given, in the subset or not. */
  boolean contains(String id) {
    return membership.containsKey(id);
  }

  /** The backend of that id as given, or null. */
  Backend get(String id) {
    return membership.get(id);
  }

  /** The membership becomes {@code all} (ids unique); returns the subset to apply. */
  Map<String, Backend> replaceAll(Map<String, Backend> all) {
    membership = new LinkedHashMap<>(all);
    return subset();
  }

  /** One backend joins the membership (its id is new); returns the subset to apply. */
  Map<String, Backend> add(Backend b) {
    membership.put(b.id(), b);
    return subset();
  }

  /** One backend leaves the membership; returns the subset to apply. */
  Map<String, Backend> remove(String id) {
    membership.remove(id);
    return subset();
  }

  /** A backend of the membership changes attributes (never its subset: that depends on its id only). */
  void update(Backend b) {
    membership.put(b.id(), b);
  }

  private Map<String, Backend> subset() {
    List<Backend> chosen = DeterministicSubset.subset(policy, new ArrayList<>(membership.values()));
    Map<String, Backend> byId = new LinkedHashMap<>(chosen.size() * 2);
    for (Backend b : chosen) {
      byId.put(b.id(), b);
    }
    membershipSize = membership.size();
    subsetSize = byId.size();
    return byId;
  }
}
