package io.lb4j.benchmarks.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A closed-loop request-reply UDP load: each client thread has its own socket (its own flow), sends a datagram
 * carrying a sequence number, waits for the reply with that number (at most {@value #TIMEOUT_MILLIS} ms, then
 * counts the datagram lost and sends the next), and records the round trip in a histogram of microseconds.
 * After {@code --warmup} seconds it measures for {@code --seconds} and prints:
 *
 * <pre>result target=127.0.0.1:9000 clients=16 rps=123456 p50us=40 p99us=180 lost=0 sent=1234567</pre>
 *
 * <p>Every loop is bounded by the measurement time.
 */
final class UdpLoad {
  static final int TIMEOUT_MILLIS = 200;
  /** Round trips up to 100 ms are recorded to the microsecond; slower ones in the last bucket. */
  private static final int BUCKETS = 100_000;

  private UdpLoad() {}

  static Set<String> options() {
    return Set.of("--target", "--clients", "--seconds", "--payload", "--warmup");
  }

  static void run(Options o) throws Exception {
    InetSocketAddress target = o.address("--target");
    int clients = o.intValue("--clients", 16, 1, 1024);
    int seconds = o.intValue("--seconds", 10, 1, 3600);
    int payload = o.intValue("--payload", 64, 8, 65_000);
    int warmup = o.intValue("--warmup", 2, 0, 600);
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    List<Client> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Client c = new Client(target, payload, measuring, done);
      all.add(c);
      c.thread.start();
    }
    Thread.sleep(warmup * 1000L);
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    measuring.set(false);
    long elapsed = System.nanoTime() - start;
    done.set(true);
    long[] histogram = new long[BUCKETS];
    long ok = 0;
    long lost = 0;
    long sent = 0;
    for (Client c : all) {
      c.thread.join(5_000);
      for (int b = 0; b < BUCKETS; b++) {
        histogram[b] += c.histogram[b];
      }
      ok += c.ok;
      lost += c.lost;
      sent += c.sent;
    }
    System.out.printf("result target=%s:%d clients=%d rps=%.0f p50us=%d p99us=%d lost=%d sent=%d%n",
        target.getHostString(), target.getPort(), clients, ok * 1e9 / elapsed, quantile(histogram, ok, 0.50),
        quantile(histogram, ok, 0.99), lost, sent);
  }

  private static long quantile(long[] histogram, long total, double q) {
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < histogram.length; i++) {
      seen += histogram[i];
      if (seen >= rank && rank > 0) {
        return i;
      }
    }
    return histogram.length;
  }

  private static long seqOf(byte[] b) {
    long s = 0;
    for (int i = 0; i < 8; i++) {
      s = (s << 8) | (b[i] & 0xff);
    }
    return s;
  }

  /** One client: its socket, its thread and its counts (read after the thread ended). */
  private static final class Client implements Runnable {
    final Thread thread = new Thread(this, "udp-load");
    final long[] histogram = new long[BUCKETS];
    final InetSocketAddress target;
    final int payload;
    final AtomicBoolean measuring;
    final AtomicBoolean done;
    long ok;
    long lost;
    long sent;

    Client(InetSocketAddress target, int payload, AtomicBoolean measuring, AtomicBoolean done) {
      this.target = target;
      this.payload = payload;
      this.measuring = measuring;
      this.done = done;
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      try (DatagramChannel ch = DatagramChannel.open()) {
        ch.connect(target);
        // The socket adaptor honours a receive timeout (the channel would block for ever); the packet and its
        // array are reused, so the client allocates nothing per datagram.
        DatagramSocket socket = ch.socket();
        socket.setSoTimeout(TIMEOUT_MILLIS);
        ByteBuffer out = ByteBuffer.allocateDirect(payload);
        byte[] in = new byte[65_536];
        DatagramPacket packet = new DatagramPacket(in, in.length);
        long seq = 0;
        while (!done.get()) {
          seq++;
          out.clear();
          out.putLong(0, seq);
          long t0 = System.nanoTime();
          ch.write(out);
          boolean counted = measuring.get();
          if (counted) {
            sent++;
          }
          boolean answered = false;
          while (!answered) {
            packet.setLength(in.length);
            try {
              socket.receive(packet);
            } catch (SocketTimeoutException e) {
              break;
            }
            answered = packet.getLength() >= 8 && seqOf(in) == seq; // a late reply to a lost one is skipped
          }
          if (!counted) {
            continue;
          }
          if (answered) {
            long micros = (System.nanoTime() - t0) / 1000;
            histogram[(int) Math.min(micros, BUCKETS - 1)]++;
            ok++;
          } else {
            lost++;
          }
        }
      } catch (IOException e) {
        System.err.println("udp load client failed: " + e);
      }
    }
  }
}
