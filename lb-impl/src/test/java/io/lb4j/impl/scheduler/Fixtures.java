package io.lb4j.impl.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test helpers: backends, candidate lists, request contexts and pick counting. */
final class Fixtures {

  private Fixtures() {}

  static Backend backend(String id, int weight) {
    return Backend.of(id, "10.0.0." + (Math.abs(id.hashCode()) % 250 + 1), 8080, weight);
  }

  /** A healthy candidate counting its requests on a fresh counter, as a pool's member does. */
  static Candidate healthy(String id, int weight) {
    return new Candidate(backend(id, weight), true, weight, Schedulers.activeRequests());
  }

  /** A pick that starts a request, as a pool counts it: on the pick's own counter. */
  static PickResult acquire(Scheduler scheduler) {
    PickResult r = scheduler.pick(RequestContext.EMPTY);
    r.activeRequests().increment();
    return r;
  }

  /** Starts {@code picks} requests without ending any, counting backends by id. */
  static Map<String, Integer> countAcquiring(Scheduler scheduler, int picks) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(acquire(scheduler).backend().id(), 1, Integer::sum);
    }
    return counts;
  }

  /** The requests in flight on the candidate of {@code id} in {@code candidates}. */
  static int active(List<Candidate> candidates, String id) {
    for (Candidate c : candidates) {
      if (c.backend().id().equals(id)) {
        return c.activeRequests().get();
      }
    }
    throw new AssertionError("no candidate " + id);
  }

  /** Healthy candidates b0..b(n-1) with the given weights. */
  static List<Candidate> weighted(int... weights) {
    List<Candidate> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(healthy("b" + i, weights[i]));
    }
    return list;
  }

  /** n healthy candidates of weight 100. */
  static List<Candidate> equal(int n) {
    List<Candidate> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(healthy("b" + i, 100));
    }
    return list;
  }

  /** Random weights in [1, 100] from a fixed seed. */
  static int[] randomWeights(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = 1 + random.nextInt(100);
    }
    return w;
  }

  /** Contexts carrying both a client address and a hash key, so every scheduler can pick with them. */
  static RequestContext[] contexts(int n) {
    RequestContext[] contexts = new RequestContext[n];
    for (int i = 0; i < n; i++) {
      contexts[i] = RequestContext.builder().clientAddress(address(i)).hashKey("user-" + i).build();
    }
    return contexts;
  }

  static InetAddress address(int i) {
    try {
      return InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Picks {@code picks} times (with the empty context) and counts backends by id, in first-seen order. */
  static Map<String, Integer> count(Scheduler scheduler, int picks) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < picks; i++) {
      PickResult r = scheduler.pick(RequestContext.EMPTY);
      counts.merge(r.hasBackend() ? r.backend().id() : "none:" + r.reason(), 1, Integer::sum);
    }
    return counts;
  }

  /** Ids of {@code picks} consecutive picks. */
  static List<String> sequence(Scheduler scheduler, int picks) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < picks; i++) {
      ids.add(scheduler.pick(RequestContext.EMPTY).backend().id());
    }
    return ids;
  }
}
