package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.Http2Limits;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A client connection and a server connection over a real loopback socket, each on its own event-loop
 * thread: many concurrent streams with bodies much larger than the small windows, echoed back with a
 * checksum trailer, byte for byte; and a stream whose reader stops while the others complete.
 */
class Http2LoopbackTest {

  /** Small windows and concurrency, so flow control and refusals happen all the time. */
  private static final Http2Limits SERVER = Http2Limits.builder().initialWindowSize(16_384)
      .connectionWindowSize(65_535).maxConcurrentStreams(20).build();
  private static final Http2Limits CLIENT = Http2Limits.builder().initialWindowSize(16_384).build();

  /** Server side: echoes each request body as the response body, then a trailer with its CRC-32. */
  private static final class EchoHandler implements Http2Handler {
    final AtomicInteger maxPending = new AtomicInteger();

    private static final class Echo {
      ByteBuffer pending = ByteBuffer.allocate(1024);
      final CRC32 crc = new CRC32();
      boolean ended;
      boolean done;
    }

    @Override
    public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
      Echo e = new Echo();
      stream.attach(e);
      stream.sendHeaders(new Http2Headers().add(":status", "200").add("x-path", headers.get(":path")), false);
      e.ended = endStream;
      send(stream, e);
    }

    @Override
    public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
      Echo e = (Echo) stream.attachment();
      if (e.pending.remaining() < data.remaining()) {
        ByteBuffer grown = ByteBuffer.allocate(2 * (e.pending.position() + data.remaining()));
        e.pending.flip();
        e.pending = grown.put(e.pending);
      }
      ByteBuffer view = data.duplicate();
      e.crc.update(view);
      e.pending.put(data);
      maxPending.accumulateAndGet(e.pending.position(), Math::max);
      e.ended |= endStream;
      send(stream, e);
    }

    private void send(Http2Stream stream, Echo e) {
      if (e.done) {
        return;
      }
      e.pending.flip();
      int n = stream.sendData(e.pending, false);
      e.pending.compact();
      if (n > 0) {
        // Credit back only what went out: the client cannot send more than the window ahead of the echo.
        stream.consumed(n);
      }
      if (e.ended && e.pending.position() == 0) {
        e.done = true;
        stream.sendTrailers(new Http2Headers().add("x-crc", Long.toString(e.crc.getValue())));
      }
    }

    @Override
    public void onTrailers(Http2Stream stream, Http2Headers trailers) {
      Echo e = (Echo) stream.attachment();
      e.ended = true;
      send(stream, e);
    }

    @Override
    public void onReset(Http2Stream stream, Http2ErrorCode code) {
      stream.release();
    }

    @Override
    public void onWritable(Http2Stream stream) {
      send(stream, (Echo) stream.attachment());
    }
  }

  /** Client side: sends queued requests as streams allow, checks each echo. */
  private static final class Requests implements Http2Handler {
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final CountDownLatch done;
    final AtomicInteger refused = new AtomicInteger();
    final java.util.Set<Integer> holdBack = ConcurrentHashMap.newKeySet();
    Http2Connection connection;

    Requests(int count) {
      done = new CountDownLatch(count);
    }

    private static final class Call {
      final byte[] body;
      final ByteBuffer toSend;
      final ByteArrayOutputStream received = new ByteArrayOutputStream();
      long unconsumed;

      Call(byte[] body) {
        this.body = body;
        this.toSend = ByteBuffer.wrap(body);
      }
    }

    void openWhatFits() {
      while (!queue.isEmpty() && connection.canOpenStream()) {
        byte[] body = queue.poll();
        Http2Headers request = new Http2Headers().add(":method", "POST").add(":scheme", "http")
            .add(":authority", "127.0.0.1").add(":path", "/echo/" + body.length);
        if (body.length % 2 == 0) {
          request.add("content-length", Integer.toString(body.length));
        }
        Http2Stream s = connection.openStream(request, body.length == 0);
        Call call = new Call(body);
        s.attach(call);
        if (body.length > 0) {
          s.sendData(call.toSend, true);
        }
      }
    }

    @Override
    public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
      if (!headers.valueIs(0, "200")) {
        failures.add(stream.id() + ": " + headers);
      }
    }

    @Override
    public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
      Call call = (Call) stream.attachment();
      int n = data.remaining();
      byte[] b = new byte[n];
      data.get(b);
      call.received.writeBytes(b);
      if (holdBack.contains(((Call) stream.attachment()).body.length)) {
        call.unconsumed += n;
      } else {
        stream.consumed(n);
      }
    }

    void resume(Http2Stream stream) {
      Call call = (Call) stream.attachment();
      stream.consumed((int) call.unconsumed);
      call.unconsumed = 0;
    }

    @Override
    public void onTrailers(Http2Stream stream, Http2Headers trailers) {
      Call call = (Call) stream.attachment();
      CRC32 crc = new CRC32();
      crc.update(call.body);
      if (!java.util.Arrays.equals(call.received.toByteArray(), call.body)) {
        failures.add(stream.id() + ": body of " + call.body.length + " bytes came back as "
            + call.received.size() + " different bytes");
      } else if (!trailers.valueIs(0, Long.toString(crc.getValue()))) {
        failures.add(stream.id() + ": trailer " + trailers);
      }
      done.countDown();
      openWhatFits();
    }

    @Override
    public void onReset(Http2Stream stream, Http2ErrorCode code) {
      Call call = (Call) stream.attachment();
      if (stream.isUnprocessed()) {
        refused.incrementAndGet();
        queue.addFirst(call.body);
        openWhatFits();
      } else {
        failures.add(stream.id() + ": reset " + code);
        done.countDown();
      }
    }

    @Override
    public void onWritable(Http2Stream stream) {
      Call call = (Call) stream.attachment();
      stream.sendData(call.toSend, true);
    }
  }

  private static final class Pair implements AutoCloseable {
    final LoopbackEnd client;
    final LoopbackEnd server;

    Pair(Http2Handler clientHandler, Http2Handler serverHandler) throws Exception {
      try (ServerSocketChannel listener = ServerSocketChannel.open()) {
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel c = SocketChannel.open(listener.getLocalAddress());
        SocketChannel s = listener.accept();
        server = new LoopbackEnd(s, pool -> Http2Connection.server(SERVER, serverHandler, pool, System::nanoTime),
            "h2-server");
        client = new LoopbackEnd(c, pool -> Http2Connection.client(CLIENT, clientHandler, pool, System::nanoTime),
            "h2-client");
      }
      server.start();
      client.start();
    }

    @Override
    public void close() throws Exception {
      client.close();
      server.close();
    }
  }

  @Test
  void manyConcurrentStreams_largerThanTheWindows_echoByteForByte() throws Exception {
    Random random = new Random(9113);
    int count = 150;
    Requests requests = new Requests(count);
    EchoHandler echo = new EchoHandler();
    long total = 0;
    for (int i = 0; i < count; i++) {
      int size = i % 10 == 0 ? 0 : random.nextInt(i % 7 == 0 ? 300_000 : 20_000);
      byte[] body = new byte[size];
      random.nextBytes(body);
      requests.queue.add(body);
      total += size;
    }
    try (Pair pair = new Pair(requests, echo)) {
      requests.connection = pair.client.connection;
      pair.client.execute(requests::openWhatFits);

      assertThat(requests.done.await(60, TimeUnit.SECONDS)).as("all %d echoes within 60 s", count).isTrue();

      assertThat(requests.failures).isEmpty();
      assertThat(pair.client.failure).isNull();
      assertThat(pair.server.failure).isNull();
      // Each stream's echo buffer stayed within the stream window the server advertises (plus one read's
      // worth of DATA that arrived with the window's last credit).
      assertThat(echo.maxPending.get()).isLessThanOrEqualTo(16_384 + 16_384);
    }
    assertThat(total).isGreaterThan(2_000_000);
  }

  @Test
  void streamWhoseReaderStops_doesNotStallTheOthers() throws Exception {
    int count = 40;
    Requests requests = new Requests(count + 1);
    int stalledSize = 200_001; // odd: no content-length
    requests.holdBack.add(stalledSize);
    requests.queue.add(new byte[stalledSize]);
    for (int i = 0; i < count; i++) {
      requests.queue.add(new byte[1000 + i]);
    }
    try (Pair pair = new Pair(requests, new EchoHandler())) {
      requests.connection = pair.client.connection;
      pair.client.execute(requests::openWhatFits);

      // Everyone but the stalled stream completes while its reader consumes nothing.
      assertThat(awaitCount(requests.done, 1, 60)).as("the other %d streams finish", count).isTrue();
      assertThat(requests.failures).isEmpty();

      pair.client.execute(() -> requests.resume(pair.client.connection.stream(1)));
      // The stalled stream then gets credits as its (resumed) reader consumes.
      requests.holdBack.clear();
      pair.client.execute(() -> requests.resume(pair.client.connection.stream(1)));
      assertThat(requests.done.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(requests.failures).isEmpty();
    }
  }

  /** Waits until {@code latch} is down to {@code remaining}; latches and deadlines only, no sleeps. */
  private static boolean awaitCount(CountDownLatch latch, int remaining, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (latch.getCount() > remaining) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      latch.await(10, TimeUnit.MILLISECONDS);
    }
    return true;
  }
}
