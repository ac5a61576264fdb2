package io.lb4j.benchmarks.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.ListenerServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * How close a listener's peak bandwidth holds to its cap: a load harness on loopback (not JMH, not a unit test).
 * For each cap, connection count and direction, a TCP listener with that cap sits between clients and a
 * backend that move bytes as fast as they can (upstream: clients write and the backend discards; downstream:
 * the backend writes and the clients discard). After a warm-up, the bytes that crossed are counted over the
 * measured seconds; the achieved rate and its error against the cap are printed, with {@code OK} within 5%.
 * Bytes are payload bytes (decimal megabits: 1 Mbit/s is 125,000 bytes a second).
 *
 * <p>The acceptance run (issue 24): over 10 s, within 5% of the cap, for caps from 1 Mbit/s to 1 Gbit/s, with 1
 * and 64 connections. Run it in a quiet window: a loaded machine may not reach the higher caps at all, which
 * the {@code uncapped} baseline line shows.
 *
 * <pre>
 * mvn -B -pl lb-benchmarks -am package -DskipTests
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.BandwidthAccuracy \
 *     --caps 1,10,100,1000 --connections 1,64 --directions up,down --seconds 10 --warmup 2 --event-loops 2
 * </pre>
 *
 * <p>Every loop is bounded by the measurement time; every thread is a daemon and every socket is closed after
 * each case.
 */
public final class BandwidthAccuracy {
  private static final int CHUNK = 64 * 1024;

  private BandwidthAccuracy() {}

  /**
   * Runs the cases.
   *
   * @param args {@code --caps}, {@code --connections}, {@code --directions}, {@code --seconds},
   *     {@code --warmup}, {@code --event-loops}, {@code --baseline on|off}
   * @throws Exception when a case cannot run
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    List<Integer> caps = List.of(1, 10, 100, 1000);
    List<Integer> connections = List.of(1, 64);
    List<String> directions = List.of("up", "down");
    int seconds = 10;
    int warmup = 2;
    int loops = Runtime.getRuntime().availableProcessors();
    boolean baseline = true;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--caps":
          caps = ints(args[i + 1]);
          break;
        case "--connections":
          connections = ints(args[i + 1]);
          break;
        case "--directions":
          directions = List.of(args[i + 1].split(","));
          break;
        case "--seconds":
          seconds = Integer.parseInt(args[i + 1]);
          break;
        case "--warmup":
          warmup = Integer.parseInt(args[i + 1]);
          break;
        case "--event-loops":
          loops = Integer.parseInt(args[i + 1]);
          break;
        case "--baseline":
          baseline = args[i + 1].equals("on");
          break;
        default:
          System.err.println("unknown option " + args[i]);
          System.exit(2);
      }
    }
    System.out.printf("bandwidth accuracy: %d s measured after %d s warm-up, %d event loops, %d cores, load %s%n",
        seconds, warmup, loops, Runtime.getRuntime().availableProcessors(), loadAverage());
    System.out.println("| direction | connections | cap Mbit/s | achieved Mbit/s | error | verdict | time throttled |");
    System.out.println("|---|---|---|---|---|---|---|");
    int failed = 0;
    for (String direction : directions) {
      for (int conns : connections) {
        if (baseline) {
          Result r = run(direction, conns, 0, seconds, warmup, loops);
          System.out.printf(Locale.ROOT, "| %s | %d | uncapped | %.1f | | | |%n", direction, conns, r.mbps);
        }
        for (int cap : caps) {
          Result r = run(direction, conns, cap, seconds, warmup, loops);
          double error = (r.mbps - cap) / cap * 100;
          boolean ok = Math.abs(error) <= 5;
          failed += ok ? 0 : 1;
          System.out.printf(Locale.ROOT, "| %s | %d | %d | %.2f | %+.2f%% | %s | %d ms |%n", direction, conns, cap,
              r.mbps, error, ok ? "OK" : "OFF", r.throttledMillis);
        }
      }
    }
    System.out.println(failed == 0 ? "every case within 5% of its cap" : failed + " case(s) off by more than 5%");
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }

  private static String loadAverage() {
    try {
      return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static final class Result {
    final double mbps;
    final long throttledMillis;

    Result(double mbps, long throttledMillis) {
      this.mbps = mbps;
      this.throttledMillis = throttledMillis;
    }
  }

  /** One case: a listener capped at {@code capMbps} (0: none), {@code conns} connections moving bytes one way. */
  private static Result run(String direction, int conns, int capMbps, int seconds, int warmup, int loops)
      throws Exception {
    boolean up = direction.equals("up");
    LongAdder moved = new LongAdder();
    AtomicBoolean done = new AtomicBoolean();
    List<Socket> sockets = new CopyOnWriteArrayList<>();
    try (ServerSocket backend = new ServerSocket()) {
      backend.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      Thread acceptor = daemon(() -> {
        try {
          while (!done.get()) {
            Socket s = backend.accept();
            sockets.add(s);
            daemon(() -> pump(s, !up, up ? moved : null, done)).start();
          }
        } catch (IOException closed) {
          // the case ended
        }
      });
      acceptor.start();
      PeakBandwidth caps = capMbps == 0 ? PeakBandwidth.unlimited()
          : up ? PeakBandwidth.builder().upstreamMbps(capMbps).build()
              : PeakBandwidth.builder().downstreamMbps(capMbps).build();
      Listener listener = Listener.builder("bandwidth", Protocol.TCP, 0).healthCheck(HealthCheckPolicy.disabled())
          .peakBandwidth(caps).build();
      try (LoadBalancer pool = LoadBalancers.builder(listener)
              .backend(Backend.of("sink", "127.0.0.1", backend.getLocalPort())).build().start();
          ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
              .eventLoops(loops).build().start()) {
        for (int i = 0; i < conns; i++) {
          Socket c = new Socket();
          c.connect(server.localAddress(), 10_000);
          sockets.add(c);
          daemon(() -> pump(c, up, up ? null : moved, done)).start();
        }
        Thread.sleep(warmup * 1000L);
        long b0 = moved.sum();
        long t0 = System.nanoTime();
        long n0 = throttled(server, up);
        Thread.sleep(seconds * 1000L);
        long b1 = moved.sum();
        long t1 = System.nanoTime();
        long n1 = throttled(server, up);
        done.set(true);
        for (Socket s : sockets) {
          s.close();
        }
        server.stop(Duration.ZERO);
        return new Result((b1 - b0) * 8.0 / ((t1 - t0) / 1e9) / 1e6, (n1 - n0) / 1_000_000);
      }
    } finally {
      done.set(true);
    }
  }

  private static long throttled(ListenerServer server, boolean up) {
    return server.bandwidthMetrics().timeThrottled(up ? BandwidthMetrics.Direction.UPSTREAM
        : BandwidthMetrics.Direction.DOWNSTREAM).toNanos();
  }

  /** Writes as fast as the socket takes ({@code write}), or reads and counts into {@code counter}, until done. */
  private static void pump(Socket s, boolean write, LongAdder counter, AtomicBoolean done) {
    byte[] buf = new byte[CHUNK];
    try (s) {
      if (write) {
        OutputStream out = s.getOutputStream();
        while (!done.get()) {
          out.write(buf);
        }
      } else {
        InputStream in = s.getInputStream();
        int n;
        while (!done.get() && (n = in.read(buf)) >= 0) {
          if (counter != null) {
            counter.add(n);
          }
        }
      }
    } catch (IOException closed) {
      // the case ended
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "bandwidth-load");
    t.setDaemon(true);
    return t;
  }
}
