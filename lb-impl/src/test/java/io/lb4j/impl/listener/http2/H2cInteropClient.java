package io.lb4j.impl.listener.http2;

import io.lb4j.impl.listener.Http2Limits;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A manual interop harness, not a test (CI never runs it): drives {@link Http2Connection}'s client side
 * against a real h2c server (for instance python-h2 or {@code nghttpd}) that echoes each request body
 * and ends with trailers, as a gRPC backend would. Sends {@code count} POSTs with random bodies of up to
 * 200 KB, checks every echo byte for byte, and prints a summary.
 *
 * <pre>
 * java -cp lb-impl/target/classes:lb-impl/target/test-classes:$HOME/.m2/repository/org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar \
 *   io.lb4j.impl.listener.http2.H2cInteropClient 127.0.0.1 18444 200
 * </pre>
 */
public final class H2cInteropClient {

  private H2cInteropClient() {}

  /** Arguments: host, port, number of requests. */
  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 18444;
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    CountDownLatch done = new CountDownLatch(count);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger bad = new AtomicInteger();
    Random random = new Random(1);
    java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
    for (int i = 0; i < count; i++) {
      byte[] body = new byte[random.nextInt(200_000)];
      random.nextBytes(body);
      queue.add(body);
    }
    Http2Connection[] connection = new Http2Connection[1];
    final class EchoClient implements Http2Handler {
      void openMore() {
        while (!queue.isEmpty() && connection[0].canOpenStream()) {
          byte[] body = queue.poll();
          Http2Stream s = connection[0].openStream(new Http2Headers().add(":method", "POST").add(":scheme", "http")
              .add(":authority", host + ":" + port).add(":path", "/echo").add("content-type", "application/grpc")
              .add("te", "trailers"), false);
          Object[] state = {ByteBuffer.wrap(body), new java.io.ByteArrayOutputStream(), body};
          s.attach(state);
          s.sendData((ByteBuffer) state[0], true);
        }
      }

      @Override
      public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        if (!headers.valueIs(0, "200")) {
          bad.incrementAndGet();
        }
      }

      @Override
      public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
        int n = data.remaining();
        byte[] b = new byte[n];
        data.get(b);
        ((java.io.ByteArrayOutputStream) ((Object[]) stream.attachment())[1]).writeBytes(b);
        stream.consumed(n);
      }

      @Override
      public void onTrailers(Http2Stream stream, Http2Headers trailers) {
        Object[] state = (Object[]) stream.attachment();
        byte[] sent = (byte[]) state[2];
        boolean same = java.util.Arrays.equals(sent, ((java.io.ByteArrayOutputStream) state[1]).toByteArray());
        if (same && "0".equals(trailers.get("grpc-status"))) {
          ok.incrementAndGet();
        } else {
          bad.incrementAndGet();
        }
        done.countDown();
        openMore();
      }

      @Override
      public void onReset(Http2Stream stream, Http2ErrorCode code) {
        System.out.println("stream " + stream.id() + " reset " + code + " " + stream.resetReason());
        bad.incrementAndGet();
        done.countDown();
      }

      @Override
      public void onWritable(Http2Stream stream) {
        stream.sendData((ByteBuffer) ((Object[]) stream.attachment())[0], true);
      }

      @Override
      public void onConnectionError(Http2ErrorCode code, String reason) {
        System.out.println("connection error " + code + " " + reason);
      }
    }
    EchoClient handler = new EchoClient();
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
    try (LoopbackEnd end = new LoopbackEnd(ch, pool -> connection[0] = Http2Connection.client(Http2Limits.defaults(),
        handler, pool, System::nanoTime), "h2c-client")) {
      end.start();
      end.execute(handler::openMore);
      boolean finished = done.await(120, TimeUnit.SECONDS);
      System.out.println((finished ? "finished" : "timed out") + ": " + ok.get() + " echoed and checked, "
          + bad.get() + " bad, failure " + end.failure);
    }
  }
}
