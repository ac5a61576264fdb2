package io.lb4j.impl.scheduler;

import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import java.util.Arrays;
import java.util.List;

/**
 * One immutable cycle of a smooth weighted round robin: maps a sequence number to a pick in O(1), with no
 * allocation. Built once per update, read by any number of threads.
 *
 * <p><b>Table mode</b> (total weight, after dividing by the weights' gcd, at most {@link #TABLE_LIMIT}):
 * the whole cycle is precomputed as an array of results, so a pick is one array load. The order is
 * earliest-deadline-first over "backend i's k-th pick is due by k x W / w_i", where a pick may not be
 * served before its release time (k-1) x W / w_i. Release times keep a backend from running ahead by a
 * whole pick, and EDF meets every deadline because the demand is feasible (utilisation exactly 1, the
 * Liu-Layland condition), which keeps it from falling behind by one; so every backend's count after t
 * picks stays strictly within 1 of t x share, and over any window of consecutive picks, including
 * windows that wrap around the cycle, strictly within 2 of window x share. (The tests check this bound
 * exhaustively, over every window of whole cycles of random weight sets.) Each backend gets exactly its
 * weight's share over each whole cycle; with weights 5, 1, 1 the cycle is {@code a b a a c a a}.
 *
 * <p><b>Compact table mode</b> (reduced total up to {@link #INDEX_TABLE_LIMIT}, at most 65,536
 * backends): the same cycle as two-byte backend indices, at most 1 MiB; a pick is two array loads.
 * This covers 10,000 backends with random weights 1-100 (~500,000 entries). The build is O(W) plus
 * heap work per weight class (see {@code edfOrder}), a few milliseconds at that size.
 *
 * <p><b>Generation mode</b> (larger totals: tens of thousands of backends with co-prime weights): a
 * table would exceed 1 MiB, so the cycle is kept as M = max(weight) generations. Backends are grouped by
 * weight (at most 100 groups); group c takes part in generation g when (w_c x g + offset_c) mod M &lt;
 * w_c, which happens for exactly w_c of the M generations, so shares are exact per cycle and a backend
 * appears at most once per generation. A pick jumps through a block index to the right (generation,
 * group) entry and indexes into the group, so its cost does not depend on the backend count; memory is
 * O(M x groups) (at most 100 x 100 entries), not O(total weight). The window bound here is measured,
 * not proven: at most 2.01 over random weights for 2,000-12,000 backends (tests hold it under 2.5).
 */
final class WrrSchedule {

  /** Largest table: 65,536 references, 256 KiB with compressed oops. */
  static final int TABLE_LIMIT = 1 << 16;

  /**
   * Largest compact table: 524,288 two-byte backend indices, 1 MiB, used when the reference table would
   * be too large and there are at most 65,536 eligible backends (10,000 backends with random weights
   * 1-100 need about 505,000 entries).
   */
  static final int INDEX_TABLE_LIMIT = 1 << 19;

  /** Table mode: the cycle. For an empty set, a one-element cycle holding the "no backend" result. */
  private final PickResult[] table;

  // Compact table mode: the cycle as backend indices into results.
  private final char[] indexTable;
  private final PickResult[] results;

  // Generation mode (table == null). The cycle is a sequence of "entries": one group's members, in
  // order, inside one generation. Entry k covers positions [entryStart[k], entryStart[k + 1]).
  private final int cycle;
  private final int[] entryStart; // ascending; entryStart[entries] = cycle (sentinel)
  private final int[] entryFirstMember; // index into members of the entry's group's first member
  private final int[] blockEntry; // blockEntry[p >>> blockShift] = the entry holding position p rounded down
  private final int blockShift;
  private final PickResult[] members; // eligible backends, grouped by weight

  private WrrSchedule(PickResult[] table) {
    this.table = table;
    this.indexTable = null;
    this.results = null;
    this.cycle = table.length;
    this.entryStart = null;
    this.entryFirstMember = null;
    this.blockEntry = null;
    this.blockShift = 0;
    this.members = null;
  }

  private WrrSchedule(int cycle, int[] entryStart, int[] entryFirstMember, int[] blockEntry, int blockShift,
      PickResult[] members) {
    this.table = null;
    this.indexTable = null;
    this.results = null;
    this.cycle = cycle;
    this.entryStart = entryStart;
    this.entryFirstMember = entryFirstMember;
    this.blockEntry = blockEntry;
    this.blockShift = blockShift;
    this.members = members;
  }

  private WrrSchedule(char[] indexTable, PickResult[] results) {
    this.table = null;
    this.indexTable = indexTable;
    this.results = results;
    this.cycle = indexTable.length;
    this.entryStart = null;
    this.entryFirstMember = null;
    this.blockEntry = null;
    this.blockShift = 0;
    this.members = null;
  }

  /** A schedule whose every pick is {@code none}. */
  static WrrSchedule empty(PickResult none) {
    return new WrrSchedule(new PickResult[] {none});
  }

  /** Round robin's share of a candidate, in percent: 100 unless slow start lowered its weight. */
  static int rampPercent(Candidate c) {
    int configured = c.backend().weight();
    if (configured == 0 || c.weight() >= configured) {
      return 100;
    }
    return Math.max(1, c.weight() * 100 / configured);
  }

  /**
   * Builds the cycle for {@code eligible} (non-empty). {@code weighted == false} (round robin) ignores
   * the weights themselves and gives every backend a full share, except one whose effective weight is
   * below its configured weight (slow start), which gets that fraction of a share.
   */
  static WrrSchedule build(List<Candidate> eligible, boolean weighted) {
    int n = eligible.size();
    PickResult[] results = new PickResult[n];
    int[] weights = new int[n];
    int gcd = 0;
    for (int i = 0; i < n; i++) {
      results[i] = PickResult.of(eligible.get(i));
      weights[i] = weighted ? eligible.get(i).weight() : rampPercent(eligible.get(i));
      gcd = gcd(gcd, weights[i]);
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
      weights[i] /= gcd;
      total += weights[i];
    }
    if (total <= TABLE_LIMIT) {
      int[] order = edfOrder(weights, (int) total);
      PickResult[] table = new PickResult[order.length];
      for (int t = 0; t < order.length; t++) {
        table[t] = results[order[t]];
      }
      return new WrrSchedule(table);
    }
    if (total <= INDEX_TABLE_LIMIT && n <= Character.MAX_VALUE + 1) {
      int[] order = edfOrder(weights, (int) total);
      char[] indices = new char[order.length];
      for (int t = 0; t < order.length; t++) {
        indices[t] = (char) order[t];
      }
      return new WrrSchedule(indices, results);
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("candidates must have a total weight of at most "
          + Integer.MAX_VALUE + ", was " + total);
    }
    return generations(results, weights, (int) total);
  }

  /** Cycle length: the sum of the gcd-reduced weights (1 for the empty schedule). */
  int cycle() {
    return cycle;
  }

  /** True when the cycle is precomputed as a table (of results or of compact indices). */
  boolean isTable() {
    return table != null || indexTable != null;
  }

  /** True when the cycle is precomputed as compact indices. */
  boolean isIndexTable() {
    return indexTable != null;
  }

  /** The pick at position {@code seq mod cycle}; {@code seq} must be non-negative. */
  PickResult pick(long seq) {
    PickResult[] t = table;
    if (t != null) {
      return t[(int) (seq % t.length)];
    }
    char[] indices = indexTable;
    if (indices != null) {
      return results[indices[(int) (seq % indices.length)]];
    }
    return pickFromGenerations((int) (seq % cycle));
  }

  /**
   * The block index jumps to the entry holding the start of pos's block; blocks are about as many as
   * entries, so the forward walk takes about one step, whatever the number of backends.
   */
  private PickResult pickFromGenerations(int pos) {
    int k = blockEntry[pos >>> blockShift];
    while (entryStart[k + 1] <= pos) {
      k++;
    }
    return members[entryFirstMember[k] + pos - entryStart[k]];
  }

  /**
   * Earliest deadline first with release times. Backend i's k-th pick (k from 1) is released at
   * (k-1) W / w_i and due by k W / w_i; comparisons cross-multiply, so no rounding.
   *
   * <p>Backends of equal weight have identical release times and deadlines, so the heaps hold weight
   * classes (at most 100), not backends: a class's k-th "epoch" is one pick of each member, in candidate
   * order, all due at the same deadline. Any tie order is a valid EDF schedule, so the bound holds, and
   * the build is O(W + epochs x log classes): 10,000 backends with co-prime weights (W ~ 500,000) build
   * in a few milliseconds.
   */
  private static int[] edfOrder(int[] w, int total) {
    int n = w.length;
    int maxWeight = 0;
    for (int x : w) {
      maxWeight = Math.max(maxWeight, x);
    }
    int[] classOfWeight = new int[maxWeight + 1];
    Arrays.fill(classOfWeight, -1);
    int classes = 0;
    for (int x : w) {
      if (classOfWeight[x] < 0) {
        classOfWeight[x] = classes++;
      }
    }
    int[] classWeight = new int[classes];
    int[] classSize = new int[classes];
    for (int x : w) {
      classWeight[classOfWeight[x]] = x;
      classSize[classOfWeight[x]]++;
    }
    int[] classFirst = new int[classes + 1];
    for (int c = 0; c < classes; c++) {
      classFirst[c + 1] = classFirst[c] + classSize[c];
    }
    int[] members = new int[n]; // members of class c: members[classFirst[c] .. classFirst[c + 1])
    int[] fill = classFirst.clone();
    for (int i = 0; i < n; i++) {
      members[fill[classOfWeight[w[i]]]++] = i;
    }
    int[] epochs = new int[classes]; // completed epochs: every member picked that many times
    int[] next = new int[classes]; // next member to pick in the current epoch
    // A heap's key only changes for a class outside both heaps (between pop and push).
    IntHeap waiting = new IntHeap(classes) { // by release time epochs / weight, then class
      @Override
      boolean less(int a, int b) {
        long x = (long) epochs[a] * classWeight[b];
        long y = (long) epochs[b] * classWeight[a];
        return x < y || (x == y && a < b);
      }
    };
    IntHeap ready = new IntHeap(classes) { // by deadline (epochs + 1) / weight, then class
      @Override
      boolean less(int a, int b) {
        long x = (long) (epochs[a] + 1) * classWeight[b];
        long y = (long) (epochs[b] + 1) * classWeight[a];
        return x < y || (x == y && a < b);
      }
    };
    for (int c = 0; c < classes; c++) {
      waiting.push(c);
    }
    int[] order = new int[total];
    for (int t = 0; t < total; t++) {
      // Released by time t: epochs * W <= t * weight.
      while (waiting.size > 0 && (long) epochs[waiting.peek()] * total <= (long) t * classWeight[waiting.peek()]) {
        ready.push(waiting.pop());
      }
      // Never empty: by time t, sum(floor(t w_i / W) + 1) > t picks are released and only t were made.
      int c = ready.peek();
      order[t] = members[classFirst[c] + next[c]++];
      if (next[c] == classSize[c]) {
        ready.pop();
        next[c] = 0;
        epochs[c]++;
        if (epochs[c] < classWeight[c]) {
          waiting.push(c);
        }
      }
    }
    return order;
  }

  /** A binary min-heap of ints ordered by {@link #less}. Build-time helper, not thread-safe. */
  private abstract static class IntHeap {
    final int[] heap;
    int size;

    IntHeap(int capacity) {
      heap = new int[capacity];
    }

    abstract boolean less(int a, int b);

    int peek() {
      return heap[0];
    }

    void push(int x) {
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!less(x, heap[parent])) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = x;
    }

    int pop() {
      int top = heap[0];
      int x = heap[--size];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && less(heap[child + 1], heap[child])) {
          child++;
        }
        if (!less(heap[child], x)) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      if (size > 0) {
        heap[i] = x;
      }
      return top;
    }
  }

  private static WrrSchedule generations(PickResult[] results, int[] w, int total) {
    int maxWeight = 0;
    for (int x : w) {
      maxWeight = Math.max(maxWeight, x);
    }
    // Group members by weight, heaviest first; groups keep the candidates' order inside.
    int[] groupSize = new int[maxWeight + 1];
    for (int x : w) {
      groupSize[x]++;
    }
    int[] groupWeights = new int[maxWeight + 1];
    int groups = 0;
    for (int x = maxWeight; x >= 1; x--) {
      if (groupSize[x] > 0) {
        groupWeights[groups++] = x;
      }
    }
    int[] groupFirst = new int[groups];
    int[] nextSlot = new int[maxWeight + 1];
    int first = 0;
    for (int c = 0; c < groups; c++) {
      groupFirst[c] = first;
      nextSlot[groupWeights[c]] = first;
      first += groupSize[groupWeights[c]];
    }
    PickResult[] members = new PickResult[results.length];
    for (int i = 0; i < results.length; i++) {
      members[nextSlot[w[i]]++] = results[i];
    }
    int m = maxWeight;
    int[] offset = new int[groups];
    for (int c = 0; c < groups; c++) {
      // Spread the groups' generations apart (golden-ratio offsets) so generation sizes stay even.
      offset[c] = (int) ((c * 0.6180339887498949 % 1.0) * m);
    }
    int entries = 0;
    for (int g = 0; g < m; g++) {
      for (int c = 0; c < groups; c++) {
        if (inGeneration(groupWeights[c], offset[c], g, m)) {
          entries++;
        }
      }
    }
    int[] entryStart = new int[entries + 1];
    int[] entryFirstMember = new int[entries];
    int e = 0;
    int pos = 0;
    for (int g = 0; g < m; g++) {
      for (int c = 0; c < groups; c++) {
        if (inGeneration(groupWeights[c], offset[c], g, m)) {
          entryStart[e] = pos;
          entryFirstMember[e] = groupFirst[c];
          pos += groupSize[groupWeights[c]];
          e++;
        }
      }
    }
    entryStart[entries] = pos;
    assert pos == total : pos + " != " + total;
    // Blocks of 2^shift positions, about one block per entry.
    int shift = Math.max(0, 31 - Integer.numberOfLeadingZeros(Math.max(1, total / entries)));
    int[] blockEntry = new int[(total >>> shift) + 1];
    int k = 0;
    for (int b = 0; b < blockEntry.length; b++) {
      while (entryStart[k + 1] <= b << shift && k + 1 < entries) {
        k++;
      }
      blockEntry[b] = k;
    }
    return new WrrSchedule(total, entryStart, entryFirstMember, blockEntry, shift, members);
  }

  /** Group of weight w is in w of every m consecutive generations, spaced as evenly as integers allow. */
  private static boolean inGeneration(int w, int offset, int g, int m) {
    return ((long) w * g + offset) % m < w;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
