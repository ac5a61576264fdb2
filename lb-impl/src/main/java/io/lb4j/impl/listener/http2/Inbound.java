package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.Http2Frames.MAX_WINDOW;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The receiving half of an {@link Http2Connection}: what each frame the {@link FrameReader} reports does
 * to the connection and its streams (RFC 9113 sections 5, 6 and 8). Connection errors are thrown as
 * {@link Http2Exception} and end the connection; stream errors reset the stream here and the connection
 * goes on. Every reset caused by the peer is charged to its reset budget.
 *
 * <p>Not thread-safe: part of its connection.
 */
final class Inbound implements FrameListener {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final Http2Connection c;
  /** Field bytes a header list keeps between blocks; a larger one's arrays go after use. */
  private static final int KEPT_LIST_BYTES = 4 * 1024;

  private final Http2Headers headers = new Http2Headers();
  private final Http2Headers answer = new Http2Headers();
  private final MessageRules.Info info = new MessageRules.Info();

  /** The stream of the DATA frame being read, or null when its data is skipped. */
  private Http2Stream dataStream;
  private boolean dataEndStream;

  Inbound(Http2Connection connection) {
    this.c = connection;
  }

  @Override
  public boolean onDataBegin(int streamId, int length, boolean endStream) {
    // The connection window counts every DATA frame, whatever becomes of its stream (section 6.9).
    if (length > c.connRecvWindow) {
      throw connectionError(Http2ErrorCode.FLOW_CONTROL_ERROR, "DATA frame of " + length
          + " bytes beyond the connection window of " + c.connRecvWindow);
    }
    c.connRecvWindow -= length;
    c.connRecvUnacked += length;
    dataStream = null;
    dataEndStream = endStream;
    Http2Stream s = c.streams.get(streamId);
    if (s == null) {
      closedOrIdle(streamId, "DATA");
      return false;
    }
    s.lastActivity = c.now;
    if (s.remoteEnded()) {
      streamError(s, Http2ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
      return false;
    }
    if (!s.finalHeadersReceived) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, "DATA before the response headers");
      return false;
    }
    if (length > s.recvWindow) {
      streamError(s, Http2ErrorCode.FLOW_CONTROL_ERROR, "DATA frame of " + length
          + " bytes beyond the stream window of " + s.recvWindow);
      return false;
    }
    s.recvWindow -= length;
    s.frameLength = length;
    s.frameDelivered = 0;
    dataStream = s;
    return true;
  }

  @Override
  public void onData(int streamId, ByteBuffer chunk, boolean lastData) {
    Http2Stream s = dataStream;
    int n = chunk.remaining();
    if (s == null || s.isClosed()) {
      return; // reset meanwhile, maybe by its owner during this frame
    }
    s.frameDelivered += n;
    s.dataReceived += n;
    boolean end = lastData && dataEndStream;
    String mismatch = MessageRules.checkContentLength(s.contentLength, s.dataReceived, end);
    if (mismatch != null) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, mismatch);
      return;
    }
    s.unconsumed += n;
    if (end) {
      c.remoteEnd(s);
    }
    c.handler.onData(s, chunk, end);
  }

  @Override
  public void onDataEnd(int streamId, int dataLength, boolean endStream) {
    Http2Stream s = dataStream;
    dataStream = null;
    if (dataLength == 0 && !endStream && !c.emptyDataRate.tryAcquire(c.now)) {
      throw calm("too many empty DATA frames");
    }
    if (s != null && !s.isClosed()) {
      int padding = s.frameLength - s.frameDelivered;
      if (padding > 0) {
        c.outbound.credit(s, padding);
      }
      if (endStream && s.frameDelivered == 0 && !s.remoteEnded()) {
        String mismatch = MessageRules.checkContentLength(s.contentLength, s.dataReceived, true);
        if (mismatch != null) {
          streamError(s, Http2ErrorCode.PROTOCOL_ERROR, mismatch);
        } else {
          c.remoteEnd(s);
          c.handler.onData(s, EMPTY, true);
        }
      }
    }
    if (c.connRecvUnacked >= c.limits.connectionWindowSize() / 2 && c.isOpen()) {
      c.writer.writeWindowUpdate(0, c.connRecvUnacked);
      c.connRecvWindow += c.connRecvUnacked;
      c.connRecvUnacked = 0;
    }
  }

  @Override
  public void onHeaders(int streamId, byte[] block, int length, boolean endStream, int dependency) {
    // Every block is decoded, even for a stream about to be refused: the table must stay in step.
    int decoded = c.decoder.decode(block, 0, length, headers);
    if (decoded == HpackDecoder.ERROR) {
      throw connectionError(Http2ErrorCode.COMPRESSION_ERROR, c.decoder.errorReason());
    }
    boolean tooLarge = decoded == HpackDecoder.LIST_TOO_LARGE;
    try {
      dispatchHeaders(streamId, endStream, tooLarge, dependency);
    } finally {
      if (headers.bytes().length > KEPT_LIST_BYTES) {
        headers.trim(KEPT_LIST_BYTES);
      }
    }
  }

  private void dispatchHeaders(int streamId, boolean endStream, boolean tooLarge, int dependency) {
    Http2Stream s = c.streams.get(streamId);
    if (s == null) {
      if (c.server && !c.isLocal(streamId) && streamId > c.lastPeerStreamId) {
        newRequest(streamId, endStream, tooLarge, dependency);
      } else {
        closedOrIdle(streamId, "HEADERS");
      }
      return;
    }
    s.lastActivity = c.now;
    if (dependency == streamId) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, "stream " + streamId + " depends on itself");
    } else if (s.remoteEnded()) {
      streamError(s, Http2ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
    } else if (!s.finalHeadersReceived) {
      response(s, endStream, tooLarge);
    } else {
      trailers(s, endStream, tooLarge);
    }
  }

  private void newRequest(int streamId, boolean endStream, boolean tooLarge, int dependency) {
    c.lastPeerStreamId = streamId;
    if (c.goAwaySent && streamId > c.goAwayLastStreamId) {
      return; // after GOAWAY, newer streams are ignored; the client learns it from the GOAWAY
    }
    if (tooLarge) {
      answer.clear();
      answer.addStatus(431);
      int n = c.encoder.encode(answer);
      c.writer.writeHeaders(streamId, c.encoder.buffer(), n, true, c.peerMaxFrameSize);
      if (endStream) {
        c.rememberClosed(streamId, false);
      } else {
        c.writeRst(streamId, Http2ErrorCode.NO_ERROR);
      }
      c.controlFrameQueued();
      c.chargeReset();
      c.handler.onRejected(streamId, 431, null, "header list larger than " + c.limits.maxHeaderListSize()
          + " bytes");
      return;
    }
    if (c.peerSlots >= c.limits.maxConcurrentStreams()) {
      refuse(streamId, Http2ErrorCode.REFUSED_STREAM, "over SETTINGS_MAX_CONCURRENT_STREAMS "
          + c.limits.maxConcurrentStreams());
      return;
    }
    if (dependency == streamId) {
      refuse(streamId, Http2ErrorCode.PROTOCOL_ERROR, "stream " + streamId + " depends on itself");
      return;
    }
    String malformed = MessageRules.checkRequest(headers, endStream, info);
    if (malformed != null) {
      refuse(streamId, Http2ErrorCode.PROTOCOL_ERROR, malformed);
      return;
    }
    Http2Stream s = new Http2Stream(c, streamId, endStream ? Http2Stream.State.HALF_CLOSED_REMOTE
        : Http2Stream.State.OPEN);
    s.sendWindow = c.peerInitialWindow;
    s.recvWindow = c.localInitialWindow;
    s.contentLength = info.contentLength;
    s.finalHeadersReceived = true;
    s.slotHeld = true;
    s.dispatched = true;
    s.lastActivity = c.now;
    c.peerSlots++;
    c.streams.put(streamId, s);
    c.handler.onHeaders(s, headers, endStream);
  }

  private void refuse(int streamId, Http2ErrorCode code, String reason) {
    c.writeRst(streamId, code);
    c.controlFrameQueued();
    c.chargeReset();
    c.handler.onRejected(streamId, 0, code, reason);
  }

  private void response(Http2Stream s, boolean endStream, boolean tooLarge) {
    if (tooLarge) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, "response header list larger than "
          + c.limits.maxHeaderListSize() + " bytes");
      return;
    }
    String malformed = MessageRules.checkResponse(headers, endStream, info);
    if (malformed != null) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, malformed);
      return;
    }
    if (info.status >= 200) {
      s.finalHeadersReceived = true;
      // A response to HEAD, a 204 and a 304 announce a length without sending content.
      boolean noContent = s.headRequest || info.status == 204 || info.status == 304;
      s.contentLength = noContent ? -1 : info.contentLength;
      if (endStream) {
        String mismatch = MessageRules.checkContentLength(s.contentLength, 0, true);
        if (mismatch != null) {
          streamError(s, Http2ErrorCode.PROTOCOL_ERROR, mismatch);
          return;
        }
        c.remoteEnd(s);
      }
    }
    c.handler.onHeaders(s, headers, endStream);
  }

  private void trailers(Http2Stream s, boolean endStream, boolean tooLarge) {
    String malformed;
    if (!endStream) {
      malformed = "trailers without END_STREAM";
    } else if (tooLarge) {
      malformed = "trailer list larger than " + c.limits.maxHeaderListSize() + " bytes";
    } else {
      malformed = MessageRules.checkTrailers(headers, info);
      if (malformed == null) {
        malformed = MessageRules.checkContentLength(s.contentLength, s.dataReceived, true);
      }
    }
    if (malformed != null) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, malformed);
      return;
    }
    c.remoteEnd(s);
    c.handler.onTrailers(s, headers);
  }

  @Override
  public void onPriority(int streamId, int dependency) {
    if (!c.priorityRate.tryAcquire(c.now)) {
      throw calm("too many PRIORITY frames");
    }
    // Priority signals are deprecated (RFC 9113 section 5.3.2): checked, counted, otherwise ignored.
  }

  @Override
  public void onRstStream(int streamId, int errorCode) {
    Http2Stream s = c.streams.get(streamId);
    if (s == null) {
      if (c.isIdle(streamId)) {
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);
      }
      return;
    }
    c.chargeReset();
    Http2ErrorCode code = Http2ErrorCode.of(errorCode);
    s.resetCode = code;
    s.unprocessed = !c.server && code == Http2ErrorCode.REFUSED_STREAM;
    c.closeStream(s);
    if (s.dispatched) {
      c.handler.onReset(s, code);
    }
  }

  @Override
  public void onSetting(int id, long value) {
    switch (id) {
      case Http2Frames.SETTINGS_HEADER_TABLE_SIZE:
        c.encoder.peerMaxTableSize(value);
        break;
      case Http2Frames.SETTINGS_ENABLE_PUSH:
        if (value > 1 || (!c.server && value == 1)) {
          throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH of " + value);
        }
        break;
      case Http2Frames.SETTINGS_MAX_CONCURRENT_STREAMS:
        c.peerMaxConcurrentStreams = value;
        break;
      case Http2Frames.SETTINGS_INITIAL_WINDOW_SIZE:
        initialWindow(value);
        break;
      case Http2Frames.SETTINGS_MAX_FRAME_SIZE:
        if (value < Http2Frames.DEFAULT_MAX_FRAME_SIZE || value > Http2Frames.MAX_FRAME_SIZE_UPPER_BOUND) {
          throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE of " + value);
        }
        c.peerMaxFrameSize = (int) value;
        break;
      case Http2Frames.SETTINGS_MAX_HEADER_LIST_SIZE:
        c.peerMaxHeaderListSize = value;
        break;
      case Http2Frames.SETTINGS_ENABLE_CONNECT_PROTOCOL:
      case Http2Frames.SETTINGS_NO_RFC7540_PRIORITIES:
        if (value > 1) {
          throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "SETTINGS " + id + " of " + value);
        }
        break;
      default:
        break; // unknown settings are ignored (section 6.5.2)
    }
  }

  private void initialWindow(long value) {
    if (value > MAX_WINDOW) {
      throw connectionError(Http2ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE of " + value);
    }
    long delta = value - c.peerInitialWindow;
    c.peerInitialWindow = value;
    if (delta == 0) {
      return;
    }
    Http2Stream[] all = c.streams.snapshot(new Http2Stream[c.streams.size()]);
    for (Http2Stream s : all) {
      if (s == null) {
        break;
      }
      s.sendWindow += delta;
      if (s.sendWindow > MAX_WINDOW) {
        throw connectionError(Http2ErrorCode.FLOW_CONTROL_ERROR, "stream " + s.id() + " window above 2^31-1");
      }
    }
  }

  @Override
  public void onSettingsEnd(boolean ack) {
    if (ack) {
      if (!c.settingsAckPending) {
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "SETTINGS ACK without SETTINGS");
      }
      c.settingsAckPending = false;
      // The peer now uses this side's settings: the decoder's table limit and the streams' windows follow.
      c.decoder.maxTableSizeLimit(c.limits.headerTableSize());
      int delta = c.limits.initialWindowSize() - c.localInitialWindow;
      c.localInitialWindow = c.limits.initialWindowSize();
      if (delta != 0) {
        Http2Stream[] all = c.streams.snapshot(new Http2Stream[c.streams.size()]);
        for (Http2Stream s : all) {
          if (s == null) {
            break;
          }
          s.recvWindow += delta;
        }
      }
      return;
    }
    if (!c.settingsRate.tryAcquire(c.now)) {
      throw calm("too many SETTINGS frames");
    }
    c.peerSettingsReceived = true;
    c.writer.writeSettingsAck();
    c.controlFrameQueued();
  }

  @Override
  public void onPing(boolean ack, long data) {
    if (ack) {
      c.handler.onPingAck(data);
      return;
    }
    if (!c.pingRate.tryAcquire(c.now)) {
      throw calm("too many PING frames");
    }
    c.writer.writePing(true, data);
    c.controlFrameQueued();
  }

  @Override
  public void onGoAway(int lastStreamId, int errorCode, byte[] data, int debugOffset, int debugLength) {
    if (c.goAwayReceived && lastStreamId > c.peerGoAwayLastStreamId) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "GOAWAY raised the last stream id from "
          + c.peerGoAwayLastStreamId + " to " + lastStreamId);
    }
    c.goAwayReceived = true;
    c.peerGoAwayLastStreamId = lastStreamId;
    Http2Stream[] all = c.streams.snapshot(new Http2Stream[c.streams.size()]);
    for (Http2Stream s : all) {
      if (s == null) {
        break;
      }
      if (c.isLocal(s.id()) && s.id() > lastStreamId) {
        s.unprocessed = true;
        s.resetCode = Http2ErrorCode.REFUSED_STREAM;
        c.closeStream(s);
        c.handler.onReset(s, Http2ErrorCode.REFUSED_STREAM);
      }
    }
    c.handler.onGoAway(lastStreamId, Http2ErrorCode.of(errorCode),
        new String(data, debugOffset, debugLength, StandardCharsets.ISO_8859_1));
  }

  @Override
  public void onWindowUpdate(int streamId, int increment) {
    if (!c.windowUpdateRate.tryAcquire(c.now)) {
      throw calm("too many WINDOW_UPDATE frames");
    }
    if (streamId == 0) {
      if (increment == 0) {
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      }
      c.connSendWindow += increment;
      if (c.connSendWindow > MAX_WINDOW) {
        throw connectionError(Http2ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      }
      return;
    }
    Http2Stream s = c.streams.get(streamId);
    if (s == null) {
      if (c.isIdle(streamId)) {
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId);
      }
      return;
    }
    s.lastActivity = c.now;
    if (increment == 0) {
      streamError(s, Http2ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      return;
    }
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW) {
      streamError(s, Http2ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
    }
  }

  @Override
  public void onStreamError(int streamId, Http2ErrorCode code, String reason) {
    Http2Stream s = c.streams.get(streamId);
    if (s != null) {
      streamError(s, code, reason);
    } else {
      c.writeRst(streamId, code);
      c.controlFrameQueued();
      c.chargeReset();
    }
  }

  /**
   * A frame for a stream that is not open: idle is an error (PROTOCOL_ERROR); a stream this side reset
   * lately is ignored (the peer sent before it knew); one closed otherwise is an error (STREAM_CLOSED),
   * and HEADERS for an id below the last one the peer opened, never seen, is an error (PROTOCOL_ERROR).
   */
  private void closedOrIdle(int streamId, String frame) {
    if (c.isIdle(streamId)) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, frame + " on idle stream " + streamId);
    }
    if (c.goAwaySent && streamId > c.goAwayLastStreamId) {
      return; // a stream the GOAWAY left out: its frames are ignored like the HEADERS that opened it
    }
    int how = c.closedHow(streamId);
    if (how == Http2Connection.RESET_HERE) {
      return;
    }
    if (how == Http2Connection.UNKNOWN && "HEADERS".equals(frame) && !c.isLocal(streamId)) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
          + ", lower than the last stream opened " + c.lastPeerStreamId);
    }
    throw connectionError(Http2ErrorCode.STREAM_CLOSED, frame + " on closed stream " + streamId);
  }

  private void streamError(Http2Stream s, Http2ErrorCode code, String reason) {
    c.resetStream(s, code, reason);
    c.controlFrameQueued();
    c.chargeReset();
  }

  private static Http2Exception calm(String reason) {
    return connectionError(Http2ErrorCode.ENHANCE_YOUR_CALM, reason);
  }

  private static Http2Exception connectionError(Http2ErrorCode code, String reason) {
    return Http2Exception.connection(code, reason);
  }
}
