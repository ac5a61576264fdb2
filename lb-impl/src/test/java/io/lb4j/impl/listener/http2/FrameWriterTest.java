package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each frame type's exact bytes (RFC 9113 section 6 layouts), written across small pooled buffers. */
class FrameWriterTest {

  /** 64-byte buffers, so most frames span several. */
  private final CountingBufferPool pool = new CountingBufferPool(64);
  private final OutboundQueue queue = new OutboundQueue(pool);
  private final FrameWriter writer = new FrameWriter(queue);

  @Test
  void everyFrameType_hasItsWireLayout() throws Exception {
    writer.writePreface();
    writer.writeSettings(new int[] {3, 4}, new long[] {100, 0x7fffffffL}, 2);
    writer.writeSettingsAck();
    writer.writeData(1, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 5, true);
    writer.writeHeaders(3, new byte[] {(byte) 0x82, (byte) 0x84}, 2, false, 16384);
    writer.writePriority(3, 1, true, 256);
    writer.writeRstStream(3, Http2ErrorCode.CANCEL);
    writer.writePing(true, 0x0102030405060708L);
    writer.writeGoAway(7, Http2ErrorCode.ENHANCE_YOUR_CALM, "calm".getBytes(StandardCharsets.US_ASCII));
    writer.writeWindowUpdate(0, 65536);
    writer.writePushPromise(1, 2, new byte[] {(byte) 0x82}, 1, 16384);

    byte[] written = drain();
    assertThat(Hex.of(written, 0, written.length)).isEqualTo(
        Hex.of(Http2Frames.PREFACE, 0, 24)
            + "00000c" + "04" + "00" + "00000000" + "0003" + "00000064" + "0004" + "7fffffff"
            + "000000" + "04" + "01" + "00000000"
            + "000005" + "00" + "01" + "00000001" + "68656c6c6f"
            + "000002" + "01" + "04" + "00000003" + "8284"
            + "000005" + "02" + "00" + "00000003" + "80000001" + "ff"
            + "000004" + "03" + "00" + "00000003" + "00000008"
            + "000008" + "06" + "01" + "00000000" + "0102030405060708"
            + "00000c" + "07" + "00" + "00000000" + "00000007" + "0000000b" + "63616c6d"
            + "000004" + "08" + "00" + "00000000" + "00010000"
            + "000005" + "05" + "04" + "00000001" + "00000002" + "82");
    assertThat(pool.outstanding).as("every buffer went back to the pool once written").isZero();
  }

  @Test
  void headerBlockLargerThanTheFrameSize_isSplitIntoContinuations() {
    byte[] block = new byte[40_000];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) i;
    }
    writer.writeHeaders(5, block, block.length, true, 16384);
    RecordingFrameListener listener = new RecordingFrameListener();
    new FrameReader(listener, false, 16384, 65536, 8).read(ByteBuffer.wrap(RawFrames.concat(
        RawFrames.create().settings().bytes(), drain())));
    assertThat(listener.events).hasSize(2);
    assertThat(listener.events.get(1)).isEqualTo("HEADERS stream=5 block=" + Hex.of(block, 0, block.length)
        + " end=true dependency=-1");
  }

  @Test
  void partialWrites_keepTheRestQueued() throws Exception {
    writer.writeData(1, ByteBuffer.wrap(new byte[200]), 200, false);
    assertThat(queue.queuedBytes()).isEqualTo(209);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    WritableByteChannel limited = Channels.newChannel(sink);
    GatheringByteChannel tenAtATime = new GatheringAdapter(limited, 10);
    while (!queue.isEmpty()) {
      assertThat(queue.flushTo(tenAtATime)).isBetween(1L, 10L);
    }
    assertThat(sink.size()).isEqualTo(209);
    assertThat(pool.outstanding).isZero();
  }

  private byte[] drain() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try {
      GatheringByteChannel channel = new GatheringAdapter(Channels.newChannel(sink), Integer.MAX_VALUE);
      while (!queue.isEmpty()) {
        queue.flushTo(channel);
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    return sink.toByteArray();
  }
}
