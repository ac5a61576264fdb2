package io.lb4j.benchmarks.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.ListenerState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * What idle connections cost an lb4j listener (issue 17): heap per idle connection, CPU of a process
 * holding thousands of them, and whether a small heap holds them and still serves, or fails stop cleanly.
 * The listener runs in this JVM (start it with the heap under test, such as {@code -Xmx128m}); the clients
 * run in a child JVM ({@link IdleClients}) so their sockets do not count; a one-thread NIO backend
 * ({@link HarnessBackend}) answers. Every wait is bounded.
 *
 * <ol>
 *   <li>Heap after a full GC before the clients connect, and again once the listener holds them all:
 *       the difference divided by the count is the heap per idle connection (the kernel's socket buffers and
 *       the loop's pooled I/O buffers are not in it; the pooled direct buffers are printed apart).</li>
 *   <li>{@code --cpu-seconds S}: the process's CPU time (user + system, from {@code /proc/self/stat}) over S
 *       seconds while the connections sit idle, as a share of one core.</li>
 *   <li>A new request through the listener while it holds them: it still serves.</li>
 *   <li>{@code stop()}, timed. If the listener failed (an event loop ran out of memory), the harness says
 *       so, checks that {@code stop()} still returns and exits with code 3.</li>
 * </ol>
 *
 * <p>Run (after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}):
 * <pre>
 * # 4,000 idle TLS connections in a 128 MiB heap (issue 17: memory per connection, fail-stop):
 * java -Xmx128m -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.IdleConnectionsHarness \
 *     --protocol https --connections 4000
 * # 5,000 idle keep-alive connections, CPU over 30 s (issue 17: idle cost, at most 1% of a core):
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.IdleConnectionsHarness \
 *     --protocol http --connections 5000 --cpu-seconds 30
 * # 4,000 idle HTTP/2 connections (h2 by ALPN), one request served on each (issue 21: memory per idle
 * # HTTP/2 connection); --protocol http for h2c with prior knowledge:
 * java -Xmx256m -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.IdleConnectionsHarness \
 *     --protocol https --connections 4000 --mode h2
 * # 3,500 connections each holding an unfinished 29 KiB head:
 * java -Xmx128m -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.IdleConnectionsHarness \
 *     --protocol http --connections 3500 --mode partial:29000
 * </pre>
 * Options: {@code --protocol http|https|tcp} (https), {@code --connections N} (4000), {@code --mode
 * request|h2|partial:BYTES|none} (request; tcp: none), {@code --cpu-seconds S} (0: skip), {@code --event-loops N}
 * (1), {@code --max-connections N} (the listener's cap; default: the library's), {@code --client-heap SIZE}
 * (1g, for the client JVM).
 */
public final class IdleConnectionsHarness {
  private IdleConnectionsHarness() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Map<String, String> o = options(args);
    String protocolName = o.getOrDefault("--protocol", "https");
    Protocol protocol = Protocol.valueOf(protocolName.toUpperCase(java.util.Locale.ROOT));
    int count = Integer.parseInt(o.getOrDefault("--connections", "4000"));
    String mode = o.getOrDefault("--mode", protocol == Protocol.TCP ? "none" : "request");
    int cpuSeconds = Integer.parseInt(o.getOrDefault("--cpu-seconds", "0"));
    int loops = Integer.parseInt(o.getOrDefault("--event-loops", "1"));
    String clientHeap = o.getOrDefault("--client-heap", "1g");
    long clockTicks = clockTicks();
    System.out.printf("idle connections harness: %s, %d connections (%s), heap max %d MiB, %d event loop(s), %d"
            + " cores, java %s%n", protocolName, count, mode, Runtime.getRuntime().maxMemory() >> 20, loops,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

    Path dir = Files.createTempDirectory("lb4j-idle-harness");
    SSLContext serverTls = protocol == Protocol.HTTPS ? SelfSignedTls.serverContext(dir) : null;
    Listener listener = Listener.builder("idle", protocol, 0).healthCheck(HealthCheckPolicy.disabled())
        .idleTimeout(Duration.ofSeconds(900)).build();
    try (HarnessBackend backend = new HarnessBackend(protocol != Protocol.TCP);
        LoadBalancer pool = LoadBalancers.builder(listener).backend(Backend.of("b", "127.0.0.1", backend.port()))
            .build().start()) {
      ListenerServer.Builder builder = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
          .eventLoops(loops).keepAliveTimeout(Duration.ofSeconds(900));
      if (serverTls != null) {
        builder.sslContext(serverTls);
      }
      if (o.containsKey("--max-connections")) {
        builder.maxConnections(Integer.parseInt(o.get("--max-connections")));
      }
      ListenerServer server = builder.build().start();
      int port = server.localAddress().getPort();
      long baseline = heapAfterGc();
      System.out.printf("heap after GC, no connection: %,d KiB; listener maxConnections %d%n", baseline >> 10,
          server.maxConnections());

      Process clients = startClients(port, count, protocol == Protocol.HTTPS, mode, clientHeap);
      BufferedReader answers = new BufferedReader(new InputStreamReader(clients.getInputStream(),
          StandardCharsets.US_ASCII));
      String ready = answers.readLine();
      System.out.println("clients: " + ready);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (server.metrics().connectionsActive() < opened(ready) && System.nanoTime() - deadline < 0
          && server.state() == ListenerState.RUNNING) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      int exit = 0;
      if (server.state() == ListenerState.RUNNING) {
        long held = server.metrics().connectionsActive();
        long heap = heapAfterGc();
        System.out.printf("listener holds %d connections (state %s); heap after GC %,d KiB: %,d bytes per"
                + " connection (stated bound: %s)%n", held, server.state(), heap >> 10,
            held == 0 ? 0 : (heap - baseline) / held,
            mode.equals("h2") ? (protocol == Protocol.HTTPS ? "24576 for h2 over TLS" : "12288 for h2c")
                : protocol == Protocol.HTTPS ? "16384 for TLS" : "4096 for plain HTTP");
        System.out.printf("direct memory of the I/O buffer pools: %,d KiB%n",
            server.metrics().bufferMemoryBytes() >> 10);
        if (cpuSeconds > 0) {
          long before = cpuTicks();
          long start = System.nanoTime();
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(cpuSeconds));
          long ticks = cpuTicks() - before;
          double seconds = (System.nanoTime() - start) / 1e9;
          System.out.printf("process CPU over %.1f s idle: %d ms = %.2f%% of one core%n", seconds,
              ticks * 1000 / clockTicks, ticks * 100.0 / clockTicks / seconds);
        }
        System.out.println("a new request while holding them: " + probe(port, serverTls != null, protocol));
      }
      if (server.state() == ListenerState.FAILED) {
        System.out.println("listener FAILED: " + server.failureCause());
        exit = 3;
      }
      long stopStart = System.nanoTime();
      server.stop(Duration.ofSeconds(1));
      System.out.printf("stop(): returned after %d ms, state %s%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart), server.state());
      clients.getOutputStream().close();
      clients.waitFor(60, TimeUnit.SECONDS);
      clients.destroyForcibly();
      System.exit(exit);
    }
  }

  private static Process startClients(int port, int count, boolean tls, String mode, String heap) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
        IdleClients.class.getName(), "127.0.0.1", String.valueOf(port), String.valueOf(count), tls ? "tls" : "plain",
        mode).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static int opened(String ready) {
    return ready == null ? 0 : Integer.parseInt(ready.split(" ")[1]);
  }

  /** One request on a new connection: its status line, or what went wrong. */
  private static String probe(int port, boolean tls, Protocol protocol) {
    long start = System.nanoTime();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      plain.setSoTimeout(10_000);
      Socket s = plain;
      if (tls) {
        SSLSocket t = (SSLSocket) SelfSignedTls.trustingClientContext().getSocketFactory()
            .createSocket(plain, "127.0.0.1", port, true);
        t.startHandshake();
        s = t;
      }
      OutputStream out = s.getOutputStream();
      byte[] request = protocol == Protocol.TCP ? "ping".getBytes(StandardCharsets.US_ASCII)
          : "GET /probe HTTP/1.1\r\nHost: harness\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      out.write(request);
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[256];
      int n = in.read(buf);
      String first = n <= 0 ? "(nothing)" : new String(buf, 0, n, StandardCharsets.US_ASCII).split("\r\n")[0];
      return first + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** utime + stime of this process, in clock ticks (fields 14 and 15 of /proc/self/stat). */
  private static long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100;
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    List<String> known = List.of("--protocol", "--connections", "--mode", "--cpu-seconds", "--event-loops",
        "--max-connections", "--client-heap");
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!known.contains(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + " (expected: " + known + ")");
      }
      o.put(args[i], args[i + 1]);
    }
    return o;
  }
}
