package io.lb4j.benchmarks.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.impl.scheduler.Schedulers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The inputs every adapter is built from: backends with weights, and request keys. Immutable. */
final class BackendSet {

  /** Number of distinct request keys the hash schedulers cycle through (a power of two). */
  static final int KEYS = 4096;

  final Backend[] backends;
  final int[] weights;
  final List<Candidate> candidates;
  final RequestContext[] contexts;
  final String[] keyStrings;

  /**
   * {@code n} backends; with {@code weightProfile} "random", weights uniform in 1-100 (co-prime mixes,
   * the hardest case for a weighted round robin), with "coarse" drawn from 100, 50, 20, 10 (typical
   * operator weights). Fixed seed: every adapter sees the same set.
   */
  BackendSet(int n, String weightProfile) {
    SplittableRandom random = new SplittableRandom(42);
    int[] coarse = {100, 50, 20, 10};
    backends = new Backend[n];
    weights = new int[n];
    candidates = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int w = "coarse".equals(weightProfile) ? coarse[random.nextInt(coarse.length)] : 1 + random.nextInt(100);
      weights[i] = w;
      backends[i] = Backend.of("backend-" + i, "10." + (i >>> 16 & 255) + "." + (i >>> 8 & 255) + "." + (i & 255),
          20880, w);
      // Each candidate counts its requests in flight, as a pool's member does (wlc and p2c read the counts).
      candidates.add(new Candidate(backends[i], true, w, Schedulers.activeRequests()));
    }
    contexts = new RequestContext[KEYS];
    keyStrings = new String[KEYS];
    for (int k = 0; k < KEYS; k++) {
      keyStrings[k] = "user-" + random.nextLong();
      contexts[k] = RequestContext.builder().clientAddress(address(random.nextInt()))
          .hashKey(keyStrings[k]).build();
    }
  }

  private static InetAddress address(int bits) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8),
          (byte) bits});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
