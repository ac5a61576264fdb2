package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.http2.HpackEncoder;
import io.lb4j.impl.listener.http2.Http2BufferPool;
import io.lb4j.impl.listener.http2.Http2Connection;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Handler;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The DATA an HTTP/2 stream holds for its backend: chunk framing, credit returned only for what was read,
 * retention for a re-send and its cap. A real server {@link Http2Connection} supplies the stream, so credit
 * shows as the WINDOW_UPDATE frames it queues.
 */
class StreamBodyTest {

  private final MetricsRecorder metrics = new MetricsRecorder();
  private final BufferPool buffers = new BufferPool(4096, 64, metrics);
  private Http2Stream stream;
  private Http2Connection conn;

  /** A server connection with stream 1 open, its window at the protocol's 65,535, and {@code data} received on it. */
  private void openStream(int dataBytes) {
    conn = Http2Connection.server(Http2Limits.defaults(), new Http2Handler() {
      @Override
      public void onHeaders(Http2Stream s, Http2Headers headers, boolean endStream) {
        stream = s;
      }

      @Override
      public void onData(Http2Stream s, ByteBuffer data, boolean endStream) {
        body.append(data);
      }

      @Override
      public void onTrailers(Http2Stream s, Http2Headers trailers) {}

      @Override
      public void onReset(Http2Stream s, Http2ErrorCode code) {}

      @Override
      public void onWritable(Http2Stream s) {}
    }, Http2BufferPool.unpooled(16 * 1024), System::nanoTime);
    conn.start();
    HpackEncoder encoder = new HpackEncoder(4096);
    int n = encoder.encode(new Http2Headers().add(":method", "POST").add(":scheme", "http")
        .add(":authority", "x").add(":path", "/"));
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(in, 4, 0, 0, new byte[0]);
    frame(in, 4, 1, 0, new byte[0]);
    frame(in, 1, 0x4, 1, java.util.Arrays.copyOf(encoder.buffer(), n));
    in.writeBytes(new byte[0]);
    conn.receive(ByteBuffer.wrap(in.toByteArray()));
    body.start(stream, chunked);
    in.reset();
    for (int sent = 0; sent < dataBytes; sent += 1000) {
      byte[] d = new byte[Math.min(1000, dataBytes - sent)];
      java.util.Arrays.fill(d, (byte) 'x');
      frame(in, 0, 0, 1, d);
    }
    drain();
    conn.receive(ByteBuffer.wrap(in.toByteArray()));
  }

  private boolean chunked;
  private StreamBody body = new StreamBody(buffers);

  private static void frame(ByteArrayOutputStream out, int type, int flags, int streamId, byte[] payload) {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(streamId >>> 24);
    out.write(streamId >>> 16);
    out.write(streamId >>> 8);
    out.write(streamId);
    out.writeBytes(payload);
  }

  /** Discards what the connection queued so far. */
  private void drain() {
    try {
      conn.flushTo(new java.nio.channels.GatheringByteChannel() {
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
        public void close() {}
      });
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Reads up to {@code n} bytes as a forwarder would (advancing the buffer it peeked). */
  private int read(int n) {
    int read = 0;
    ByteBuffer b;
    while (read < n && (b = body.peek()) != null) {
      int k = Math.min(n - read, b.remaining());
      b.position(b.position() + k);
      read += k;
    }
    return read;
  }

  @Test
  void credit_isReturnedOnlyForBytesRead() {
    openStream(60_000);
    assertThat(body.unread()).isEqualTo(60_000);
    assertThat(conn.hasOutput()).as("nothing read: no credit").isFalse();
    read(40_000);
    body.unread(); // settles: buffers read whole are let go
    assertThat(conn.hasOutput()).as("more than half the window read: a WINDOW_UPDATE").isTrue();
    read(20_000);
    assertThat(body.unread()).isZero();
    assertThat(body.heldBuffers()).isZero();
  }

  @Test
  void chunked_framesEachDataAsAChunkAndEndsWithTheLastChunk() {
    chunked = true;
    openStream(1500);
    body.appendLastChunk(null);
    StringBuilder text = new StringBuilder();
    ByteBuffer b;
    while ((b = body.peek()) != null) {
      while (b.hasRemaining()) {
        text.append((char) b.get());
      }
    }
    assertThat(text.toString()).isEqualTo("3e8\r\n" + "x".repeat(1000) + "\r\n1f4\r\n" + "x".repeat(500) + "\r\n0\r\n\r\n");
  }

  @Test
  void retention_keepsWhatWasReadForARewind_andReplaysIt() {
    openStream(10_000);
    body.retain(true);
    assertThat(read(10_000)).isEqualTo(10_000);
    assertThat(body.unread()).isZero();
    assertThat(body.replayable()).isTrue();
    assertThat(conn.hasOutput()).as("retained bytes are not credited").isFalse();
    body.rewind();
    assertThat(body.unread()).isEqualTo(10_000);
    assertThat(read(10_000)).isEqualTo(10_000);
  }

  /**
   * Regression: bytes appended to a retained buffer already read to its end were skipped (the reader had moved
   * past it), so part of a request body never reached an h2c backend.
   */
  @Test
  void retainedTailReadToItsEnd_takesNoMoreBytes_soNoneIsSkipped() {
    openStream(1000); // one buffer, not full
    body.retain(true);
    assertThat(read(1000)).isEqualTo(1000);
    assertThat(body.unread()).isZero(); // the reader is past the tail now
    body.append(ByteBuffer.wrap(new byte[700]));
    assertThat(body.unread()).isEqualTo(700);
    assertThat(read(700)).isEqualTo(700);
    body.rewind();
    assertThat(read(5000)).isEqualTo(1700);
  }

  @Test
  void retention_givesUpPastItsCap_andTheBodyIsNoLongerReplayable() {
    openStream(StreamBody.MAX_RETAINED + 8_000);
    body.retain(true);
    read(StreamBody.MAX_RETAINED + 8_000);
    assertThat(body.unread()).isZero();
    assertThat(body.replayable()).isFalse();
    assertThat(conn.hasOutput()).as("what was let go is credited").isTrue();
  }
}
