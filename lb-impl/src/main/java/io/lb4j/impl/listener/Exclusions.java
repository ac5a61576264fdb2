package io.lb4j.impl.listener;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * What a select must avoid for one request: the backends it already tried, and those its routing generation
 * hides during a routing change ({@link GroupPool#hidden}), as one collection without copying either. The
 * pool reads {@code isEmpty}, {@code contains} and {@code size} (and iterates for nothing else), so a plain
 * request with nothing to avoid costs two size checks. Reused per dialer; loop thread only.
 */
final class Exclusions extends AbstractCollection<String> {
  private List<String> tried = List.of();
  private Collection<String> hidden = List.of();

  /** Points the view at this request's lists. */
  Exclusions of(List<String> triedIds, Collection<String> hiddenIds) {
    this.tried = triedIds;
    this.hidden = hiddenIds;
    return this;
  }

  @Override
  public boolean isEmpty() {
    return tried.isEmpty() && hidden.isEmpty();
  }

  @Override
  public int size() {
    return tried.size() + hidden.size();
  }

  @Override
  public boolean contains(Object o) {
    return tried.contains(o) || hidden.contains(o);
  }

  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < size();
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int k = i++;
        if (k < tried.size()) {
          return tried.get(k);
        }
        Iterator<String> h = hidden.iterator();
        for (int j = tried.size(); j < k; j++) {
          h.next();
        }
        return h.next();
      }
    };
  }
}
