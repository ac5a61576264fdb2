package io.lb4j.benchmarks.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throughput harness for lb4j's listeners on loopback (not JMH: it measures a running proxy). Each round
 * runs the same closed-loop clients twice, straight to the backends and through an lb4j listener, so the
 * ratio compares like with like on the same (noisy) machine; the report gives the medians over rounds.
 *
 * <ul>
 *   <li>{@code l4}: a TCP listener; each client connection sends {@code payload} bytes and reads them back
 *       from an echo backend, again and again (round trips per second, and MB/s both ways).</li>
 *   <li>{@code l7}: an HTTP listener; each client sends keep-alive {@code GET}s and reads a
 *       {@code payload}-byte response (requests per second).</li>
 * </ul>
 *
 * <p>Run (after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}):
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.listener.ListenerLoad l4 16 10 3 1024
 * </pre>
 * Arguments: mode ({@code l4}, {@code l7}), client connections (16), seconds per measurement (10), rounds
 * (3), payload bytes (1024). Every loop is bounded by the measurement time.
 */
public final class ListenerLoad {
  private ListenerLoad() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    String mode = args.length > 0 ? args[0] : "l4";
    int connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int payload = args.length > 4 ? Integer.parseInt(args[4]) : 1024;
    boolean http = mode.equals("l7");
    System.out.printf("listener load: %s, %d connections, %d s x %d rounds, payload %d bytes, %d cores%n",
        mode, connections, seconds, rounds, payload, Runtime.getRuntime().availableProcessors());

    try (Backends backends = new Backends(2, http, payload)) {
      Listener.Builder lb = Listener.builder("load", http ? Protocol.HTTP : Protocol.TCP, 0)
          .healthCheck(HealthCheckPolicy.disabled());
      try (LoadBalancer pool = LoadBalancers.builder(lb.build()).backends(backends.asBackends()).build().start();
          ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
              .build().start()) {
        double[] direct = new double[rounds];
        double[] proxied = new double[rounds];
        long peakBuffers = 0;
        for (int r = 0; r < rounds; r++) {
          direct[r] = measure(backends.address(r % 2), connections, seconds, payload, http, null);
          long[] peak = new long[1];
          proxied[r] = measure(server.localAddress(), connections, seconds, payload, http,
              () -> peak[0] = Math.max(peak[0], server.metrics().bufferMemoryBytes()));
          peakBuffers = Math.max(peakBuffers, peak[0]);
          System.out.printf("round %d: direct %.0f/s, lb4j %.0f/s (%.2f)%n", r + 1, direct[r], proxied[r],
              proxied[r] / direct[r]);
        }
        double d = median(direct);
        double p = median(proxied);
        String unit = http ? "requests/s" : "round trips/s";
        System.out.printf("median direct: %.0f %s; median through lb4j: %.0f %s; ratio %.2f%n", d, unit, p, unit, p / d);
        if (!http) {
          System.out.printf("through lb4j: %.1f MB/s each way%n", p * payload / 1e6);
        }
        System.out.printf("peak listener buffer memory: %d KiB for %d connections (%.1f KiB per connection)%n",
            peakBuffers / 1024, connections, peakBuffers / 1024.0 / connections);
        System.out.println(server.metrics());
      }
    }
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Runs closed-loop clients for {@code seconds}; returns completed exchanges per second. */
  static double measure(InetSocketAddress target, int connections, int seconds, int payload, boolean http,
      Runnable sampler) throws Exception {
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(connections);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Thread t = new Thread(() -> {
        try (Socket s = new Socket()) {
          s.setTcpNoDelay(true);
          s.connect(target, 10_000);
          s.setSoTimeout(30_000);
          OutputStream out = s.getOutputStream();
          InputStream in = s.getInputStream();
          byte[] request = http
              ? ("GET /load HTTP/1.1\r\nHost: load\r\n\r\n").getBytes(StandardCharsets.US_ASCII)
              : new byte[payload];
          byte[] buf = new byte[Math.max(payload, 256) + 256];
          while (!stop.get()) {
            out.write(request);
            if (http) {
              readHttpResponse(in, buf);
            } else {
              int got = 0;
              while (got < payload) {
                int n = in.read(buf, 0, payload - got);
                if (n < 0) {
                  throw new IOException("closed after " + got + " bytes");
                }
                got += n;
              }
            }
            done.increment();
          }
        } catch (IOException e) {
          System.err.println("client failed: " + e);
        } finally {
          finished.countDown();
        }
      }, "load-client-" + i);
      t.setDaemon(true);
      clients.add(t);
    }
    long start = System.nanoTime();
    clients.forEach(Thread::start);
    long end = start + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(100);
      if (sampler != null) {
        sampler.run();
      }
    }
    long count = done.sum();
    double elapsed = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    finished.await();
    return count / elapsed;
  }

  /** Reads one response with a Content-Length body (the harness's backends always send one). */
  static void readHttpResponse(InputStream in, byte[] buf) throws IOException {
    int len = 0;
    int headEnd = -1;
    while (headEnd < 0) {
      int n = in.read(buf, len, buf.length - len);
      if (n < 0) {
        throw new IOException("closed in the response head");
      }
      len += n;
      for (int i = 3; i < len; i++) {
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
          headEnd = i + 1;
          break;
        }
      }
    }
    String head = new String(buf, 0, headEnd, StandardCharsets.US_ASCII).toLowerCase();
    int cl = head.indexOf("content-length:");
    int eol = head.indexOf('\r', cl);
    long body = Long.parseLong(head.substring(cl + 15, eol).trim());
    long have = len - headEnd;
    while (have < body) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, body - have));
      if (n < 0) {
        throw new IOException("closed in the response body");
      }
      have += n;
    }
  }

  /** Loopback backends: echo (Layer 4) or a keep-alive HTTP responder (Layer 7), a thread per connection. */
  static final class Backends implements AutoCloseable {
    private final List<ServerSocket> servers = new ArrayList<>();
    private final boolean http;
    private final int payload;

    Backends(int n, boolean http, int payload) throws IOException {
      this.http = http;
      this.payload = payload;
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        servers.add(s);
        Thread t = new Thread(() -> accept(s), "load-backend-" + i);
        t.setDaemon(true);
        t.start();
      }
    }

    InetSocketAddress address(int i) {
      return (InetSocketAddress) servers.get(i).getLocalSocketAddress();
    }

    List<Backend> asBackends() {
      List<Backend> list = new ArrayList<>();
      for (int i = 0; i < servers.size(); i++) {
        list.add(Backend.of("b" + i, "127.0.0.1", servers.get(i).getLocalPort()));
      }
      return list;
    }

    private void accept(ServerSocket server) {
      while (!server.isClosed()) {
        try {
          Socket c = server.accept();
          Thread t = new Thread(() -> serve(c), "load-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket c) {
      try (c) {
        c.setTcpNoDelay(true);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        if (!http) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
          }
          return;
        }
        byte[] body = new byte[payload];
        Arrays.fill(body, (byte) 'x');
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + payload + "\r\nContent-Type: text/plain\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        int len = 0;
        while (true) {
          int n = in.read(buf, len, buf.length - len);
          if (n < 0) {
            return;
          }
          len += n;
          int from = 0;
          for (int i = 3; i < len; i++) {
            if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
              out.write(response);
              out.write(body);
              from = i + 1;
            }
          }
          System.arraycopy(buf, from, buf, 0, len - from);
          len -= from;
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    @Override
    public void close() throws IOException {
      for (ServerSocket s : servers) {
        s.close();
      }
    }
  }
}
