package io.lb4j.benchmarks.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client side of {@code run-rolling-restart.sh}: paced HTTP/1.1 {@code GET}s to several proxies at once
 * (the same load to each, while the script restarts their shared backends), counting every request sent, every
 * 200, and every failure by cause, so the script can report requests failed per restart for each proxy.
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.gateway.RestartLoad \
 *     --target lb4j=127.0.0.1:8080 --target nginx=127.0.0.1:8081 [--rate 1000] [--seconds 60] [--clients 8]
 * </pre>
 *
 * <ul>
 *   <li>{@code --target NAME=HOST:PORT}, repeated: each proxy under test.</li>
 *   <li>{@code --rate}: requests per second per proxy, over all its clients (default 1000).</li>
 *   <li>{@code --seconds}: how long the load runs (default 60).</li>
 *   <li>{@code --clients}: client threads per proxy (default 8): half keep one connection for all their
 *       requests, half open a connection per request ({@code Connection: close}).</li>
 * </ul>
 *
 * <p>A failure is a status other than 200 (counted by status), a reset or end of stream before a complete
 * response, a refused connect, or no answer within 10 s. A keep-alive client whose connection failed connects
 * again for its next request. Each line of the report is {@code NAME MODE sent=.. ok=.. failed=.. causes}. Every
 * loop is bounded by {@code --seconds}. Thread-safe counters; one thread per client.
 */
public final class RestartLoad {
  private static final int ANSWER_TIMEOUT_MILLIS = 10_000;

  private RestartLoad() {}

  /** The counters of one proxy and connection mode. */
  private static final class Tally {
    final LongAdder sent = new LongAdder();
    final LongAdder ok = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    void fail(String cause) {
      failures.computeIfAbsent(cause, c -> new LongAdder()).increment();
    }

    long failed() {
      return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }
  }

  /**
   * Runs the load.
   *
   * @param args the options above
   * @throws InterruptedException when interrupted while waiting for the clients
   */
  public static void main(String[] args) throws InterruptedException {
    Map<String, InetSocketAddress> targets = new TreeMap<>();
    int rate = 1000;
    int seconds = 60;
    int clients = 8;
    try {
      if (args.length % 2 != 0) {
        throw new IllegalArgumentException("arguments must be --name value pairs, was " + String.join(" ", args));
      }
      for (int i = 0; i < args.length; i += 2) {
        String value = args[i + 1];
        switch (args[i]) {
          case "--target":
            targets.put(targetName(value), targetAddress(value));
            break;
          case "--rate":
            rate = number("--rate", value, 1, 100_000);
            break;
          case "--seconds":
            seconds = number("--seconds", value, 1, 86_400);
            break;
          case "--clients":
            clients = number("--clients", value, 2, 1024);
            break;
          default:
            throw new IllegalArgumentException("unknown option " + args[i]
                + " (expected: --target, --rate, --seconds, --clients)");
        }
      }
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("--target NAME=HOST:PORT is required (at least one)");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("restart load: " + e.getMessage());
      System.exit(2);
      return;
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) * clients / rate;
    Map<String, Tally> tallies = new TreeMap<>();
    List<Thread> threads = new ArrayList<>();
    for (Map.Entry<String, InetSocketAddress> t : targets.entrySet()) {
      for (int i = 0; i < clients; i++) {
        boolean keepAlive = i % 2 == 0;
        Tally tally = tallies.computeIfAbsent(t.getKey() + (keepAlive ? " keepalive" : " close"), k -> new Tally());
        Thread thread = new Thread(() -> run(t.getValue(), keepAlive, tally, intervalNanos, end),
            "restart-load-" + t.getKey() + "-" + i);
        threads.add(thread);
        thread.start();
      }
    }
    for (Thread thread : threads) {
      thread.join();
    }
    for (Map.Entry<String, Tally> e : tallies.entrySet()) {
      Tally t = e.getValue();
      Map<String, Long> causes = new TreeMap<>();
      t.failures.forEach((cause, n) -> causes.put(cause, n.sum()));
      System.out.printf(Locale.ROOT, "%s sent=%d ok=%d failed=%d %s%n", e.getKey(), t.sent.sum(), t.ok.sum(),
          t.failed(), causes);
    }
  }

  private static String targetName(String value) {
    int eq = value.indexOf('=');
    if (eq <= 0 || value.lastIndexOf(':') <= eq) {
      throw new IllegalArgumentException("--target must be NAME=HOST:PORT, was " + value);
    }
    return value.substring(0, eq);
  }

  private static InetSocketAddress targetAddress(String value) {
    int eq = value.indexOf('=');
    int colon = value.lastIndexOf(':');
    return new InetSocketAddress(value.substring(eq + 1, colon), number("--target port", value.substring(colon + 1),
        1, 65535));
  }

  private static int number(String name, String raw, int min, int max) {
    int value;
    try {
      value = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + raw);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + raw);
    }
    return value;
  }

  /** One client: a request every {@code intervalNanos} (or as fast as answers come, if slower) until {@code end}. */
  private static void run(InetSocketAddress target, boolean keepAlive, Tally tally, long intervalNanos, long end) {
    byte[] request = ("GET / HTTP/1.1\r\nHost: restart-load\r\n" + (keepAlive ? "" : "Connection: close\r\n")
        + "\r\n").getBytes(StandardCharsets.US_ASCII);
    Socket socket = null;
    long due = System.nanoTime();
    while (System.nanoTime() - end < 0) {
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait); // the pacing of the load, not a wait for a condition
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      due += intervalNanos;
      tally.sent.increment();
      try {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.connect(target, ANSWER_TIMEOUT_MILLIS);
          socket.setSoTimeout(ANSWER_TIMEOUT_MILLIS);
        }
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        String status = readResponse(socket.getInputStream());
        if (status.equals("200")) {
          tally.ok.increment();
        } else {
          tally.fail(status);
        }
        if (!keepAlive) {
          socket.close();
          socket = null;
        }
      } catch (IOException e) {
        tally.fail(cause(e));
        close(socket);
        socket = null;
      }
    }
    close(socket);
  }

  private static String cause(IOException e) {
    String name = e.getClass().getSimpleName();
    String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    if (message.contains("refused")) {
      return "connect refused";
    }
    if (message.contains("reset")) {
      return "reset";
    }
    if (name.contains("Timeout")) {
      return "timeout";
    }
    return message.contains("end of stream") ? "closed early" : name;
  }

  /** Reads one response with a Content-Length body; returns its status; throws if it ends early. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("end of stream before a complete response head");
      }
      head.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    String lower = text.toLowerCase(Locale.ROOT);
    int i = lower.indexOf("\r\ncontent-length:");
    if (i < 0) {
      throw new IOException("response without Content-Length");
    }
    int length = Integer.parseInt(lower.substring(i + 17, lower.indexOf("\r\n", i + 2)).trim());
    if (in.readNBytes(length).length < length) {
      throw new IOException("end of stream before the end of the body");
    }
    return text.substring(9, 12);
  }

  private static void close(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // the failure was counted already
      }
    }
  }
}
