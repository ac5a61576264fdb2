package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Applies a source's whole backend list to a pool through {@link LoadBalancer#addBackend},
 * {@link LoadBalancer#removeBackend} and {@link LoadBalancer#setWeight}: adds the backends that joined,
 * updates the weights that changed, then removes the backends that left. A backend whose address,
 * enabled flag or metadata changed under the same id is removed and added again.
 *
 * <p>The small adapter that stands in for a whole-list update of the pool in one publication: here each
 * change is its own publication, so a scheduler may briefly see a list between the old and the new one.
 * Joiners come before leavers, so a pool whose backends are all replaced never passes through an empty
 * list.
 *
 * <p>Not thread-safe: {@link SourceBinding} calls it under its monitor.
 */
final class MembershipApplier implements Consumer<List<Backend>> {

  private final LoadBalancer pool;
  /**
   * What this applier has put into the pool, by id. Updated after each step, so a step that throws (a
   * re-added id still draining) leaves it true and the next list repairs the difference.
   */
  private final Map<String, Backend> applied = new LinkedHashMap<>();

  MembershipApplier(LoadBalancer pool) {
    this.pool = pool;
  }

  @Override
  public void accept(List<Backend> backends) {
    for (Backend b : backends) {
      Backend old = applied.get(b.id());
      if (old != null && !sameExceptWeight(old, b)) {
        pool.removeBackend(old.id());
        applied.remove(old.id());
        old = null;
      }
      if (old == null) {
        pool.addBackend(b);
      } else if (old.weight() != b.weight()) {
        pool.setWeight(b.id(), b.weight());
      }
      applied.put(b.id(), b);
    }
    Set<String> wanted = backends.stream().map(Backend::id).collect(Collectors.toSet());
    for (String id : new ArrayList<>(applied.keySet())) {
      if (!wanted.contains(id)) {
        pool.removeBackend(id);
        applied.remove(id);
      }
    }
  }

  private static boolean sameExceptWeight(Backend a, Backend b) {
    return a.equals(b) && a.enabled() == b.enabled() && a.metadata().equals(b.metadata());
  }
}
