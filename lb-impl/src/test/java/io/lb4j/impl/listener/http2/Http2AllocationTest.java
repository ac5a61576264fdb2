package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lb4j.impl.listener.Http2Limits;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * What the steady path allocates, measured with HotSpot's per-thread allocation counter (bytes, not
 * time): decoding header blocks nothing; a whole request and response through a server connection only
 * the stream object.
 */
class Http2AllocationTest {

  private static com.sun.management.ThreadMXBean allocationCounter() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
    com.sun.management.ThreadMXBean hotspot = (com.sun.management.ThreadMXBean) threads;
    assumeTrue(hotspot.isThreadAllocatedMemorySupported() && hotspot.isThreadAllocatedMemoryEnabled());
    return hotspot;
  }

  @Test
  void decodingHeaderBlocks_allocatesNothing() {
    com.sun.management.ThreadMXBean counter = allocationCounter();
    // Browser-like requests: the first block fills the table, the next ones mostly reference it.
    HpackEncoder encoder = new HpackEncoder(4096);
    Http2Headers request = new Http2Headers().add(":method", "GET").add(":scheme", "https")
        .add(":authority", "shop.example.com").add(":path", "/products/42?ref=home")
        .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36")
        .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .add("accept-encoding", "gzip, deflate, br").add("accept-language", "en-US,en;q=0.9")
        .add("cookie", "theme=dark; session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    byte[][] blocks = new byte[2][];
    for (int i = 0; i < 2; i++) {
      int n = encoder.encode(request); // before buffer(): encoding may replace the array
      blocks[i] = java.util.Arrays.copyOf(encoder.buffer(), n);
    }
    HpackDecoder decoder = new HpackDecoder(4096, 65536);
    Http2Headers out = new Http2Headers();
    decoder.decode(blocks[0], 0, blocks[0].length, out);
    assertThat(out).hasToString(request.toString());
    decoder.decode(blocks[1], 0, blocks[1].length, out);
    assertThat(out).hasToString(request.toString());
    // A block of new literals each time too, so the table evicts and Huffman decoding runs.
    int literalsLength = encoder.encode(new Http2Headers()
        .add("x-a", "some value that is long enough").add("x-b", "another value, also Huffman coded"));
    byte[] literals = java.util.Arrays.copyOf(encoder.buffer(), literalsLength);

    // Warm up until the table has wrapped around: its rings have then grown to their size for good.
    for (int i = 0; i < 200; i++) {
      decoder.decode(literals, 0, literals.length, out);
    }

    long before = counter.getThreadAllocatedBytes(Thread.currentThread().getId());
    long fields = 0;
    for (int i = 0; i < 10_000; i++) {
      decoder.decode(blocks[1], 0, blocks[1].length, out);
      fields += out.size();
      decoder.decode(literals, 0, literals.length, out);
      fields += out.size();
    }
    long allocated = counter.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

    assertThat(fields).isEqualTo(10_000 * (request.size() + 2L));
    assertThat(allocated).as("bytes allocated by 20,000 decodes").isLessThan(1_000);
  }

  @Test
  void requestAndResponseThroughAServerConnection_allocateOnlyTheStream() {
    com.sun.management.ThreadMXBean counter = allocationCounter();
    int requests = 20_000;
    HpackEncoder peerEncoder = new HpackEncoder(4096);
    Http2Headers get = new Http2Headers().add(":method", "GET").add(":scheme", "https")
        .add(":authority", "example.com").add(":path", "/").add("user-agent", "h2load");
    RawFrames frames = RawFrames.clientStart().settingsAck();
    for (int i = 0; i < requests; i++) {
      int n = peerEncoder.encode(get);
      byte[] block = java.util.Arrays.copyOf(peerEncoder.buffer(), n);
      frames.headers(1 + 2 * i, END_HEADERS | END_STREAM, block);
      if (i % 100 == 99) {
        frames.windowUpdate(0, 100 * 5); // the client's reader keeps the connection window open
      }
    }
    byte[] input = frames.bytes();

    Http2Headers response = new Http2Headers().add(":status", "200").add("content-type", "text/plain");
    ByteBuffer body = ByteBuffer.wrap("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Http2Handler handler = new RecordingHandler() {
      @Override
      public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        stream.sendHeaders(response, false);
        body.rewind();
        stream.sendData(body, true);
      }
    };
    LongSupplier clock = () -> 0L;
    CountingBufferPool pool = new CountingBufferPool(16 * 1024);
    Http2Connection connection = Http2Connection.server(Http2Limits.defaults(), handler, pool, clock);
    connection.start();
    DiscardingChannel sink = new DiscardingChannel();
    ByteBuffer in = ByteBuffer.wrap(input);
    int warmup = input.length / 10;
    feed(connection, in, warmup, sink);

    long before = counter.getThreadAllocatedBytes(Thread.currentThread().getId());
    feed(connection, in, input.length, sink);
    long allocated = counter.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

    assertThat(connection.isOpen()).isTrue();
    assertThat(connection.lastPeerStreamId()).isEqualTo(2 * requests - 1);
    long measured = requests - requests / 10;
    // The Http2Stream object (about 100 bytes) is the per-request allocation; anything else per frame or
    // per field would show as hundreds of bytes more.
    assertThat(allocated / measured).as("bytes allocated per request").isLessThan(200);
  }

  private static void feed(Http2Connection connection, ByteBuffer in, int upTo, DiscardingChannel sink) {
    try {
      while (in.position() < upTo) {
        int end = Math.min(upTo, in.position() + 16 * 1024);
        int limit = in.limit();
        in.limit(end);
        connection.receive(in);
        in.limit(limit);
        while (connection.hasOutput()) {
          connection.flushTo(sink);
        }
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A socket that takes every byte and keeps none, allocating nothing. */
  private static final class DiscardingChannel implements GatheringByteChannel {
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += srcs[i].remaining();
        srcs[i].position(srcs[i].limit());
      }
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
      return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {
      // nothing to close
    }
  }
}
