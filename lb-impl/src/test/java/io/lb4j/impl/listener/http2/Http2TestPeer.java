package io.lb4j.impl.listener.http2;

import io.lb4j.impl.listener.Http2Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: the other end of an {@link Http2Connection} under test, in raw frames. It feeds bytes
 * to the connection (split in pieces of a chosen size), drains what the connection writes and reads it
 * back as one line per frame, with header blocks decoded by its own HPACK decoder; its own header blocks
 * come from its own encoder, so both HPACK contexts stay in step as with a real peer.
 */
final class Http2TestPeer {

  final FakeClock clock = new FakeClock();
  final CountingBufferPool pool = new CountingBufferPool(1024);
  final RecordingHandler handler;
  final Http2Connection connection;
  private final HpackEncoder encoder = new HpackEncoder(4096);
  private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
  private final FrameReader outputReader;
  private final List<String> sent = new ArrayList<>();
  /** Feeds input in pieces of this size (every split must give the same result). */
  int pieceSize = Integer.MAX_VALUE;

  private Http2TestPeer(boolean server, Http2Limits limits, RecordingHandler handler) {
    this.handler = handler;
    this.connection = server ? Http2Connection.server(limits, handler, pool, clock)
        : Http2Connection.client(limits, handler, pool, clock);
    this.outputReader = new FrameReader(new OutputFrames(), !server, 16_777_215, 1 << 24, 1 << 20);
    connection.start();
  }

  /** A server connection under test, past its opening: the client preface and SETTINGS exchanged. */
  static Http2TestPeer server(Http2Limits limits) {
    return server(limits, new RecordingHandler());
  }

  static Http2TestPeer server(Http2Limits limits, RecordingHandler handler) {
    Http2TestPeer peer = new Http2TestPeer(true, limits, handler);
    peer.send(RawFrames.clientStart().settingsAck().bytes());
    peer.sent();
    return peer;
  }

  /** A client connection under test, past its opening: the server's SETTINGS exchanged. */
  static Http2TestPeer client(Http2Limits limits) {
    Http2TestPeer peer = new Http2TestPeer(false, limits, new RecordingHandler());
    peer.send(RawFrames.create().settings().settingsAck().bytes());
    peer.sent();
    return peer;
  }

  /** A connection under test that has only queued its opening, nothing received yet. */
  static Http2TestPeer fresh(boolean server, Http2Limits limits) {
    return new Http2TestPeer(server, limits, new RecordingHandler());
  }

  /** Feeds {@code bytes} to the connection; returns what receive returned (false once failed). */
  boolean send(byte[] bytes) {
    boolean open = true;
    for (int at = 0; at < bytes.length; at += pieceSize) {
      open = connection.receive(ByteBuffer.wrap(bytes, at, Math.min(pieceSize, bytes.length - at)));
    }
    drain();
    return open;
  }

  boolean send(RawFrames frames) {
    return send(frames.bytes());
  }

  /** A header block from (name, value) pairs, through this peer's encoder. */
  byte[] block(String... nameValues) {
    Http2Headers h = new Http2Headers();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    int n = encoder.encode(h);
    return java.util.Arrays.copyOf(encoder.buffer(), n);
  }

  /** A GET request's header block. */
  byte[] get(String path) {
    return block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", path);
  }

  /** A POST request's header block. */
  byte[] post(String path) {
    return block(":method", "POST", ":scheme", "https", ":authority", "example.com", ":path", path);
  }

  /** The frames the connection wrote since the last call, one line each. */
  List<String> sent() {
    drain();
    List<String> copy = new ArrayList<>(sent);
    sent.clear();
    return copy;
  }

  /** Writes what the connection queued into the output reader (as a socket would). */
  void drain() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      GatheringAdapter channel = new GatheringAdapter(Channels.newChannel(bytes), Integer.MAX_VALUE);
      while (connection.hasOutput()) {
        connection.flushTo(channel);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    outputReader.read(ByteBuffer.wrap(bytes.toByteArray()));
  }

  /** Reads the connection's output into lines. */
  private final class OutputFrames implements FrameListener {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private int dataLength;
    private final Http2Headers headers = new Http2Headers();
    private final StringBuilder settings = new StringBuilder();

    @Override
    public boolean onDataBegin(int streamId, int length, boolean endStream) {
      data.reset();
      dataLength = length;
      return true;
    }

    @Override
    public void onData(int streamId, ByteBuffer chunk, boolean lastData) {
      while (chunk.hasRemaining()) {
        data.write(chunk.get());
      }
    }

    @Override
    public void onDataEnd(int streamId, int dataLength, boolean endStream) {
      String text = dataLength <= 40 ? "'" + data.toString(StandardCharsets.ISO_8859_1) + "'" : dataLength + " bytes";
      sent.add("DATA " + streamId + " " + text + (endStream ? " end" : ""));
    }

    @Override
    public void onHeaders(int streamId, byte[] block, int length, boolean endStream, int dependency) {
      if (decoder.decode(block, 0, length, headers) != HpackDecoder.OK) {
        throw new AssertionError("the connection wrote an undecodable block: " + decoder.errorReason());
      }
      sent.add("HEADERS " + streamId + " " + headers + (endStream ? " end" : ""));
    }

    @Override
    public void onPriority(int streamId, int dependency) {
      sent.add("PRIORITY " + streamId);
    }

    @Override
    public void onRstStream(int streamId, int errorCode) {
      sent.add("RST_STREAM " + streamId + " " + Http2ErrorCode.of(errorCode));
    }

    @Override
    public void onSetting(int id, long value) {
      settings.append(' ').append(id).append('=').append(value);
    }

    @Override
    public void onSettingsEnd(boolean ack) {
      sent.add(ack ? "SETTINGS ACK" : "SETTINGS" + settings);
      settings.setLength(0);
    }

    @Override
    public void onPing(boolean ack, long payload) {
      sent.add("PING " + (ack ? "ACK " : "") + payload);
    }

    @Override
    public void onGoAway(int lastStreamId, int errorCode, byte[] bytes, int debugOffset, int debugLength) {
      sent.add("GOAWAY " + lastStreamId + " " + Http2ErrorCode.of(errorCode) + " "
          + new String(bytes, debugOffset, debugLength, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) {
      sent.add("WINDOW_UPDATE " + streamId + " " + increment);
    }

    @Override
    public void onStreamError(int streamId, Http2ErrorCode code, String reason) {
      throw new AssertionError("the connection wrote a bad frame: " + reason);
    }
  }
}
