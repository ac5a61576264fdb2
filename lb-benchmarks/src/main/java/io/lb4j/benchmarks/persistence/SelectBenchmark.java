package io.lb4j.benchmarks.persistence;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.scheduler.Schedulers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of {@code LoadBalancer.select} with session persistence, next to a plain scheduler pick, in
 * one run so that the ratio is what counts (issue 5's target: a persistence hit costs at most 3x a plain
 * wrr pick).
 *
 * <ul>
 *   <li>{@code WRR_PICK}: {@code Scheduler.pick} alone, the baseline.
 *   <li>{@code SELECT_NO_PERSISTENCE}: {@code select} + release through the facade, wrr, no persistence.
 *   <li>{@code SOURCE_IP_HIT}: source-IP persistence, every client already bound.
 *   <li>{@code INSERT_COOKIE_HIT}: inserted cookies, every request carries a valid cookie seen before.
 *   <li>{@code INSERT_COOKIE_MISS}: inserted cookies, no cookie: a pick and a freshly signed cookie.
 * </ul>
 *
 * <p>10 backends with weights 1-10, health checks off, 1,024 distinct clients. Run:
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar SelectBenchmark -t 1 -prof gc
 * java -jar lb-benchmarks/target/benchmarks.jar SelectBenchmark -t 2 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SelectBenchmark {

  /** What one operation does. */
  public enum Case { WRR_PICK, SELECT_NO_PERSISTENCE, SOURCE_IP_HIT, INSERT_COOKIE_HIT, INSERT_COOKIE_MISS }

  private static final int CLIENTS = 1024;

  @Param
  Case mode;

  private LoadBalancer lb;
  private Scheduler scheduler;
  private RequestContext[] contexts;

  /** Per-thread position in the client array. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Setup(Level.Trial)
  public void setUp() throws UnknownHostException {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      backends.add(Backend.of("b" + i, "10.0.0." + (i + 1), 8080, i + 1));
    }
    SessionPersistence persistence;
    switch (mode) {
      case SOURCE_IP_HIT:
        persistence = SessionPersistence.sourceIp(Duration.ofSeconds(3600));
        break;
      case INSERT_COOKIE_HIT:
      case INSERT_COOKIE_MISS:
        persistence = SessionPersistence.insertCookie(Duration.ofSeconds(86400));
        break;
      default:
        persistence = SessionPersistence.none();
    }
    Listener listener = Listener.builder("bench", Protocol.HTTP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).sessionPersistence(persistence).build();
    lb = LoadBalancers.builder(listener).backends(backends).seed(1).build().start();

    scheduler = Schedulers.create(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, 1);
    List<Candidate> candidates = new ArrayList<>();
    backends.forEach(b -> candidates.add(Candidate.of(b)));
    scheduler.update(candidates);

    contexts = new RequestContext[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      RequestContext plain = RequestContext.ofClient(InetAddress.getByAddress(new byte[] {10, 9, (byte) (i >>> 8), (byte) i}));
      if (mode == Case.INSERT_COOKIE_HIT) {
        Selection first = lb.select(plain);
        String setCookie = first.setCookie();
        first.release();
        contexts[i] = RequestContext.builder().clientAddress(plain.clientAddress())
            .cookieHeader("theme=dark; " + setCookie.substring(0, setCookie.indexOf(';'))).build();
        lb.select(contexts[i]).release(); // validated once, so the measured lookups are repeats
      } else {
        contexts[i] = plain;
        if (mode == Case.SOURCE_IP_HIT) {
          lb.select(plain).release();
        }
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    lb.close();
  }

  @Benchmark
  public void select(Cursor cursor, Blackhole bh) {
    RequestContext context = contexts[cursor.next++ & (CLIENTS - 1)];
    if (mode == Case.WRR_PICK) {
      bh.consume(scheduler.pick(context));
      return;
    }
    Selection s = lb.select(context);
    bh.consume(s.backend());
    bh.consume(s.setCookie());
    s.release();
  }
}
