package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two halves of a kept group's membership change (see {@link ServerGroups}): the union its pool holds while
 * both generations serve, and what each generation hides. A backend listed under the same id in both with
 * another host or port is another server: the union keeps the old one (the old generation still uses it), the
 * new generation hides that id until the change ends. Attributes of a backend in both (weight, priority,
 * enabled) take their new values at once. Immutable.
 *
 * @param union the membership during the change
 * @param onlyNew ids the old generation must not select
 * @param onlyOld ids the new generation must not select
 */
record ServerGroupsDiff(List<Backend> union, List<String> onlyNew, List<String> onlyOld) {

  static ServerGroupsDiff between(List<Backend> had, List<Backend> wanted) {
    Map<String, Backend> old = new LinkedHashMap<>();
    for (Backend b : had) {
      old.put(b.id(), b);
    }
    List<Backend> union = new ArrayList<>(had.size() + wanted.size());
    List<String> onlyNew = new ArrayList<>();
    List<String> onlyOld = new ArrayList<>();
    Map<String, Backend> now = new LinkedHashMap<>();
    for (Backend b : wanted) {
      now.put(b.id(), b);
      Backend before = old.get(b.id());
      if (before == null) {
        onlyNew.add(b.id());
        union.add(b);
      } else if (!before.equals(b)) {
        onlyOld.add(b.id()); // same id, another server: the old one until the change ends
        union.add(before);
      } else {
        union.add(b);
      }
    }
    for (Backend b : had) {
      if (!now.containsKey(b.id())) {
        onlyOld.add(b.id());
        union.add(b);
      }
    }
    return new ServerGroupsDiff(List.copyOf(union), List.copyOf(onlyNew), List.copyOf(onlyOld));
  }

  /** Equal lists of backends with equal attributes. */
  static boolean sameMembership(List<Backend> a, List<Backend> b) {
    if (a == null || a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Backend x = a.get(i);
      Backend y = b.get(i);
      if (!x.equals(y) || x.weight() != y.weight() || x.priority() != y.priority() || x.enabled() != y.enabled()
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }
}
