package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.ACK;
import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static io.lb4j.impl.listener.http2.RawFrames.PADDED;
import static io.lb4j.impl.listener.http2.RawFrames.PRIORITY_FLAG;
import static io.lb4j.impl.listener.http2.RawFrames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frame reader on raw bytes: every frame type, read whole, split at every point and a byte at a
 * time with the same result; then each frame-level rule of RFC 9113 sections 3.4, 4 and 6 it enforces.
 */
class FrameReaderTest {

  private static final int MAX_FRAME = 16384;

  /** One of each frame type, with padding, priority, CONTINUATION and an unknown type among them. */
  private static byte[] everyFrameType() {
    return RawFrames.create().preface()
        .settings(1, 8192, 4, 1 << 20)
        .settingsAck()
        .frame(RawFrames.HEADERS, PADDED | PRIORITY_FLAG, 3, bytes(2, 0x80, 0, 0, 1, 15, 0x82, 0x86, 0, 0))
        .continuation(3, 0, bytes(0x84))
        .continuation(3, END_HEADERS, bytes(0x41, 0x01, 'a'))
        .frame(RawFrames.DATA, PADDED, 3, bytes(3, 'h', 'e', 'l', 'l', 'o', 0, 0, 0))
        .data(3, false, " world")
        .frame(RawFrames.DATA, END_STREAM, 3, new byte[0])
        .headers(5, END_HEADERS | END_STREAM, bytes(0x82))
        .priority(5, 3, 16)
        .rstStream(5, 8)
        .ping(false, 0x0102030405060708L)
        .ping(true, 42)
        .windowUpdate(0, 1000)
        .windowUpdate(3, 0x7fffffff)
        .frame(0xfa, 0xff, 7, bytes(1, 2, 3))
        .goAway(5, 0, "bye")
        .bytes();
  }

  private static final List<String> EVERY_FRAME_TYPE_EVENTS = List.of(
      "SETTING 1=8192",
      "SETTING 4=1048576",
      "SETTINGS end ack=false",
      "SETTINGS end ack=true",
      "HEADERS stream=3 block=82868441016" + "1 end=false dependency=1",
      "DATA begin stream=3 length=9 end=false",
      "DATA end stream=3 data=hello end=false",
      "DATA begin stream=3 length=6 end=false",
      "DATA end stream=3 data= world end=false",
      "DATA begin stream=3 length=0 end=true",
      "DATA end stream=3 data= end=true",
      "HEADERS stream=5 block=82 end=true dependency=-1",
      "PRIORITY stream=5 dependency=3",
      "RST_STREAM stream=5 code=8",
      "PING ack=false data=102030405060708",
      "PING ack=true data=2a",
      "WINDOW_UPDATE stream=0 increment=1000",
      "WINDOW_UPDATE stream=3 increment=2147483647",
      "GOAWAY last=5 code=0 debug=bye");

  @Test
  void everyFrameType_readWhole() {
    assertThat(readInPieces(everyFrameType(), Integer.MAX_VALUE)).isEqualTo(EVERY_FRAME_TYPE_EVENTS);
  }

  @Test
  void everyFrameType_splitAtEveryPoint() {
    byte[] all = everyFrameType();
    for (int split = 0; split <= all.length; split++) {
      RecordingFrameListener listener = new RecordingFrameListener();
      FrameReader reader = serverReader(listener);
      reader.read(ByteBuffer.wrap(all, 0, split));
      reader.read(ByteBuffer.wrap(all, split, all.length - split));
      assertThat(listener.events).as("split at %d", split).isEqualTo(EVERY_FRAME_TYPE_EVENTS);
      assertThat(reader.isAtFrameBoundary()).isTrue();
    }
  }

  @Test
  void everyFrameType_aByteAtATime() {
    assertThat(readInPieces(everyFrameType(), 1)).isEqualTo(EVERY_FRAME_TYPE_EVENTS);
  }

  @Test
  void dataIsHandedOverAsAWindowOfTheCallersBuffer_notCopied() {
    byte[] frames = RawFrames.create().settings().data(1, true, "abc").bytes();
    ByteBuffer in = ByteBuffer.wrap(frames);
    ByteBuffer[] seen = new ByteBuffer[1];
    RecordingFrameListener listener = new RecordingFrameListener() {
      @Override
      public void onData(int streamId, ByteBuffer chunk, boolean lastData) {
        seen[0] = chunk;
        assertThat(chunk.remaining()).isEqualTo(3);
        chunk.get(); // the listener may read some; the reader still moves past the whole piece
      }
    };
    new FrameReader(listener, false, MAX_FRAME, 65536, 8).read(in);
    assertThat(seen[0]).isSameAs(in);
    assertThat(in.position()).isEqualTo(frames.length);
    assertThat(in.limit()).isEqualTo(frames.length);
  }

  @Test
  void skippedData_isNotDelivered_butTheFrameStillEnds() {
    RecordingFrameListener listener = new RecordingFrameListener();
    listener.deliverData = false;
    new FrameReader(listener, false, MAX_FRAME, 65536, 8).read(ByteBuffer.wrap(
        RawFrames.create().settings().data(1, true, "abc").ping(false, 1).bytes()));
    assertThat(listener.events).containsExactly("SETTINGS end ack=false", "DATA begin stream=1 length=3 end=true",
        "DATA end stream=1 data= end=true", "PING ack=false data=1");
  }

  @Test
  void invalidPreface_isAConnectionError() {
    assertConnectionError(RawFrames.create().raw("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n".getBytes()).settings().bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
    assertConnectionError("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "invalid connection preface");
  }

  @Test
  void firstFrameOtherThanSettings_isAConnectionError() {
    assertConnectionError(RawFrames.create().preface().ping(false, 1).bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "the first frame is not SETTINGS");
    assertConnectionError(RawFrames.create().preface().settingsAck().bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "the first frame is not SETTINGS");
  }

  @Test
  void frameAtMaxFrameSize_isRead_andOneByteMore_isAConnectionError() {
    byte[] atLimit = RawFrames.clientStart().data(1, 0, new byte[MAX_FRAME]).bytes();
    assertThat(readInPieces(atLimit, 1000)).contains("DATA begin stream=1 length=16384 end=false");
    assertConnectionError(RawFrames.clientStart().data(1, 0, new byte[MAX_FRAME + 1]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "DATA frame of 16385 bytes above SETTINGS_MAX_FRAME_SIZE 16384");
    // The header alone is enough to refuse, before the payload arrives.
    assertConnectionError(RawFrames.clientStart().frameWithLength(1 << 24 - 1, 0xfa, 0, 1, new byte[0]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "frame type 250 frame of 8388608 bytes above SETTINGS_MAX_FRAME_SIZE 16384");
  }

  @Test
  void largerAdvertisedMaxFrameSize_isHonoured() {
    RecordingFrameListener listener = new RecordingFrameListener();
    new FrameReader(listener, true, 1 << 20, 65536, 8).read(ByteBuffer.wrap(
        RawFrames.clientStart().data(1, 0, new byte[100_000]).bytes()));
    assertThat(listener.events).contains("DATA begin stream=1 length=100000 end=false");
  }

  @Test
  void framesThatNeedAStream_onStream0_areConnectionErrors() {
    assertConnectionError(RawFrames.clientStart().data(0, true, "x").bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "DATA frame on stream 0");
    assertConnectionError(RawFrames.clientStart().headers(0, END_HEADERS, bytes(0x82)).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "HEADERS frame on stream 0");
    assertConnectionError(RawFrames.clientStart().priority(0, 1, 16).bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "PRIORITY frame on stream 0");
    assertConnectionError(RawFrames.clientStart().rstStream(0, 8).bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "RST_STREAM frame on stream 0");
  }

  @Test
  void connectionFrames_onAStream_areConnectionErrors() {
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.SETTINGS, 0, 1, new byte[0]).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "SETTINGS frame on stream 1, not 0");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.PING, 0, 1, new byte[8]).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "PING frame on stream 1, not 0");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.GOAWAY, 0, 1, new byte[8]).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "GOAWAY frame on stream 1, not 0");
  }

  @Test
  void fixedSizeFrames_ofAnotherSize_areFrameSizeErrors() {
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.RST_STREAM, 0, 1, new byte[3]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM frame of 3 bytes, not 4");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.RST_STREAM, 0, 1, new byte[5]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM frame of 5 bytes, not 4");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.PING, 0, 0, new byte[7]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "PING frame of 7 bytes, not 8");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.WINDOW_UPDATE, 0, 0, new byte[3]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE frame of 3 bytes, not 4");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.SETTINGS, 0, 0, new byte[5]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "SETTINGS frame of 5 bytes, not a multiple of 6");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.SETTINGS, ACK, 0, new byte[6]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload of 6 bytes");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.GOAWAY, 0, 0, new byte[7]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "GOAWAY frame of 7 bytes too short for its fields");
  }

  @Test
  void priorityOfAnotherSize_isAStreamError_andReadingGoesOn() {
    assertThat(readInPieces(RawFrames.clientStart().frame(RawFrames.PRIORITY, 0, 1, new byte[4]).ping(false, 1)
        .bytes(), 3)).containsExactly("SETTINGS end ack=false",
            "STREAM_ERROR stream=1 FRAME_SIZE_ERROR PRIORITY frame of 4 bytes, not 5", "PING ack=false data=1");
  }

  @Test
  void priorityOnItself_isAStreamError() {
    assertThat(readInPieces(RawFrames.clientStart().priority(3, 3, 16).bytes(), 2))
        .contains("STREAM_ERROR stream=3 PROTOCOL_ERROR stream 3 depends on itself");
  }

  @Test
  void padding_upToThePayloadLength_isRead_andAsLongAsThePayload_isAConnectionError() {
    // Pad length 4 in a 5-byte payload: no data, four bytes of padding.
    assertThat(readInPieces(RawFrames.clientStart().frame(RawFrames.DATA, PADDED, 1, bytes(4, 0, 0, 0, 0)).bytes(),
        1)).contains("DATA end stream=1 data= end=false");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.DATA, PADDED, 1, bytes(5, 0, 0, 0, 0)).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "padding of 5 bytes in a DATA frame of 5 bytes");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.DATA, PADDED, 1, new byte[0]).bytes(),
        Http2ErrorCode.FRAME_SIZE_ERROR, "DATA frame of 0 bytes too short for its fields");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.HEADERS, PADDED | END_HEADERS, 1, bytes(2, 0x82))
        .bytes(), Http2ErrorCode.PROTOCOL_ERROR, "padding of 2 bytes in a HEADERS frame of 2 bytes");
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.HEADERS, PADDED | PRIORITY_FLAG | END_HEADERS, 1,
        bytes(0, 0, 0, 0, 1)).bytes(), Http2ErrorCode.FRAME_SIZE_ERROR,
        "HEADERS frame of 5 bytes too short for its fields");
  }

  @Test
  void continuationWithoutAHeaderBlock_isAConnectionError() {
    assertConnectionError(RawFrames.clientStart().continuation(1, END_HEADERS, bytes(0x82)).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame without a header block");
    assertConnectionError(RawFrames.clientStart().headers(1, END_HEADERS, bytes(0x82))
        .continuation(1, END_HEADERS, bytes(0x82)).bytes(), Http2ErrorCode.PROTOCOL_ERROR,
        "CONTINUATION frame without a header block");
  }

  @Test
  void continuationOfAnotherStream_isAConnectionError() {
    assertConnectionError(RawFrames.clientStart().headers(1, 0, bytes(0x82)).continuation(3, END_HEADERS, bytes(0x84))
        .bytes(), Http2ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame on stream 3 inside the header block of stream 1");
  }

  @Test
  void anyOtherFrameInsideAHeaderBlock_isAConnectionError() {
    assertConnectionError(RawFrames.clientStart().headers(1, 0, bytes(0x82)).ping(false, 1).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "PING frame inside the header block of stream 1");
    assertConnectionError(RawFrames.clientStart().headers(1, 0, bytes(0x82)).data(1, true, "x").bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "DATA frame inside the header block of stream 1");
    assertConnectionError(RawFrames.clientStart().headers(1, 0, bytes(0x82)).frame(0xfa, 0, 1, new byte[0]).bytes(),
        Http2ErrorCode.PROTOCOL_ERROR, "frame type 250 frame inside the header block of stream 1");
  }

  @Test
  void continuationFlood_atTheFrameLimit_isRead_andOneMore_isRefused() {
    RawFrames atLimit = RawFrames.clientStart().headers(1, 0, bytes(0x82));
    for (int i = 0; i < 7; i++) {
      atLimit.continuation(1, 0, new byte[0]);
    }
    assertThat(readInPieces(atLimit.continuation(1, END_HEADERS, bytes(0x84)).bytes(), 5))
        .contains("HEADERS stream=1 block=8284 end=false dependency=-1");

    RawFrames flood = RawFrames.clientStart().headers(1, 0, bytes(0x82));
    for (int i = 0; i < 9; i++) {
      flood.continuation(1, 0, new byte[0]);
    }
    assertConnectionError(flood.bytes(), Http2ErrorCode.ENHANCE_YOUR_CALM,
        "more than 8 CONTINUATION frames in a header block");
  }

  @Test
  void headerBlock_atTheByteLimit_isRead_andOneByteMore_isRefused() {
    byte[] half = new byte[1024];
    RecordingFrameListener listener = new RecordingFrameListener();
    new FrameReader(listener, true, MAX_FRAME, 2048, 8).read(ByteBuffer.wrap(RawFrames.clientStart()
        .headers(1, 0, half).continuation(1, END_HEADERS, half).bytes()));
    assertThat(listener.events.get(1)).startsWith("HEADERS stream=1 block=0000");

    FrameReader reader = new FrameReader(new RecordingFrameListener(), true, MAX_FRAME, 2048, 8);
    ByteBuffer over = ByteBuffer.wrap(RawFrames.clientStart().headers(1, 0, half)
        .continuation(1, END_HEADERS, new byte[1025]).bytes());
    assertThatThrownBy(() -> reader.read(over)).isInstanceOf(Http2Exception.class)
        .hasMessage("header block larger than 2048 bytes");
  }

  @Test
  void pushPromise_isRefused() {
    assertConnectionError(RawFrames.clientStart().frame(RawFrames.PUSH_PROMISE, END_HEADERS, 1,
        bytes(0, 0, 0, 2, 0x82)).bytes(), Http2ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE received: push is disabled");
  }

  @Test
  void readerAfterAConnectionError_refusesMoreInput() {
    FrameReader reader = serverReader(new RecordingFrameListener());
    assertThatThrownBy(() -> reader.read(ByteBuffer.wrap("GET /".getBytes()))).isInstanceOf(Http2Exception.class);
    assertThatThrownBy(() -> reader.read(ByteBuffer.wrap(RawFrames.clientStart().bytes())))
        .hasMessage("the connection already failed");
  }

  @Test
  void clientReader_expectsNoPreface() {
    RecordingFrameListener listener = new RecordingFrameListener();
    new FrameReader(listener, false, MAX_FRAME, 65536, 8).read(ByteBuffer.wrap(RawFrames.create().settings(3, 100)
        .bytes()));
    assertThat(listener.events).containsExactly("SETTING 3=100", "SETTINGS end ack=false");
  }

  @Test
  void goAwayDebugData_isKeptUpTo256Bytes() {
    String debug = "d".repeat(300);
    List<String> events = readInPieces(RawFrames.clientStart().goAway(1, 2, debug).ping(false, 3).bytes(), 7);
    assertThat(events).containsExactly("SETTINGS end ack=false", "GOAWAY last=1 code=2 debug=" + "d".repeat(256),
        "PING ack=false data=3");
  }

  @Test
  void reservedBitOfStreamIds_isIgnored() {
    assertThat(readInPieces(RawFrames.clientStart().windowUpdate(0x80000003, 0x80000010).bytes(), 4))
        .contains("WINDOW_UPDATE stream=3 increment=16");
  }

  private static FrameReader serverReader(FrameListener listener) {
    return new FrameReader(listener, true, MAX_FRAME, 65536, 8);
  }

  private static List<String> readInPieces(byte[] bytes, int pieceSize) {
    RecordingFrameListener listener = new RecordingFrameListener();
    FrameReader reader = bytes.length >= 3 && bytes[0] == 'P' && bytes[1] == 'R' && bytes[2] == 'I'
        ? serverReader(listener) : new FrameReader(listener, false, MAX_FRAME, 65536, 8);
    for (int at = 0; at < bytes.length; at += pieceSize) {
      reader.read(ByteBuffer.wrap(bytes, at, Math.min(pieceSize, bytes.length - at)));
    }
    return listener.events;
  }

  private static void assertConnectionError(byte[] bytes, Http2ErrorCode code, String reason) {
    for (int pieceSize : new int[] {bytes.length, 1}) {
      FrameReader reader = serverReader(new RecordingFrameListener());
      assertThatThrownBy(() -> {
        for (int at = 0; at < bytes.length; at += pieceSize) {
          reader.read(ByteBuffer.wrap(bytes, at, Math.min(pieceSize, bytes.length - at)));
        }
      }).as("in pieces of %d", pieceSize).isInstanceOfSatisfying(Http2Exception.class, e -> {
        assertThat(e.isConnectionError()).isTrue();
        assertThat(e.code()).isEqualTo(code);
      }).hasMessage(reason);
    }
  }
}
