package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;

/**
 * One HTTP/2 stream of an {@link Http2Connection}: its state (RFC 9113 section 5.1), its flow-control
 * windows, and the actions its owner takes on it. Push is disabled on both sides, so the reserved states
 * never occur: a stream is open, half-closed on one side, or closed.
 *
 * <p>Not thread-safe: used on the connection's thread only. A stream lives from the headers that open it
 * until it is closed and released; the owner may hang its own state on it with {@link #attach}.
 *
 * @since 0.1.0
 */
public final class Http2Stream {

  /** Stream states of RFC 9113 section 5.1 that a stream visible to an owner can be in. */
  public enum State {
    /** Both sides may send. */
    OPEN,
    /** This side has sent END_STREAM; the peer may still send. */
    HALF_CLOSED_LOCAL,
    /** The peer has sent END_STREAM; this side may still send. */
    HALF_CLOSED_REMOTE,
    /** Both sides are done, or the stream was reset. */
    CLOSED
  }

  final Http2Connection connection;
  private final int id;
  State state;
  private Object attachment;

  /** May go negative when the peer shrinks SETTINGS_INITIAL_WINDOW_SIZE. */
  long sendWindow;
  int recvWindow;
  /** Bytes the owner consumed and this side has not yet returned with WINDOW_UPDATE. */
  int recvUnacked;
  /** Bytes delivered to the owner and not yet consumed. */
  long unconsumed;
  long dataReceived;
  long contentLength = -1;
  /** Client streams: the request was HEAD, so the response's content-length announces no data. */
  boolean headRequest;
  /** Client streams: a final (non-1xx) response arrived; server streams: the request headers did. */
  boolean finalHeadersReceived;
  /** A final (non-1xx) HEADERS frame was sent. */
  boolean finalHeadersSent;
  long lastActivity;

  /** Counts against the peer's concurrency until closed and released. */
  boolean slotHeld;
  /** The owner knows the stream (it got onHeaders, or opened it). */
  boolean dispatched;
  /** The owner's work is over: it ended its side, reset the stream, or released it. */
  boolean ownerDone;
  Http2ErrorCode resetCode;
  String resetReason;
  /** This side sent RST_STREAM for the stream. */
  boolean resetHere;
  boolean unprocessed;

  boolean waiting;
  Http2Stream nextWaiting;

  /** The DATA frame being read: its length (padding included) and the data bytes delivered so far. */
  int frameLength;
  int frameDelivered;

  Http2Stream(Http2Connection connection, int id, State state) {
    this.connection = connection;
    this.id = id;
    this.state = state;
  }

  /** The stream id: odd for streams clients open. */
  public int id() {
    return id;
  }

  /** The stream's state. */
  public State state() {
    return state;
  }

  /** The owner's object for this stream, or null. */
  public Object attachment() {
    return attachment;
  }

  /** Hangs the owner's object on this stream (an exchange, say). */
  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  /** The content-length the peer declared for its side, or -1. */
  public long contentLength() {
    return contentLength;
  }

  /** Data bytes received so far. */
  public long dataReceived() {
    return dataReceived;
  }

  /** What this side may still send before the peer opens the stream's window further. */
  public long sendWindow() {
    return sendWindow;
  }

  /** The error code that reset the stream, or null. */
  public Http2ErrorCode resetCode() {
    return resetCode;
  }

  /** Why this connection reset the stream (a malformed frame, a timeout...), or null. */
  public String resetReason() {
    return resetReason;
  }

  /**
   * True if the peer did not process this (client) stream at all: it refused it (REFUSED_STREAM) or its
   * GOAWAY left it out. Such a request may be sent again (RFC 9113 section 8.7).
   */
  public boolean isUnprocessed() {
    return unprocessed;
  }

  /**
   * Sends headers: a response (server; 1xx informational ones first if any) or, after
   * {@link Http2Connection#openStream}, nothing more than trailers (use {@link #sendTrailers}).
   * {@code endStream}: no data follows. Returns false if the stream can no longer send (closed, reset,
   * its side ended) or the list exceeds the peer's SETTINGS_MAX_HEADER_LIST_SIZE.
   */
  public boolean sendHeaders(Http2Headers headers, boolean endStream) {
    return connection.outbound.sendHeaders(this, headers, endStream, false);
  }

  /**
   * Sends as much of {@code src} (from its position, advancing it) as the stream's window, the
   * connection's window and the connection's output room allow, in frames of at most the peer's
   * SETTINGS_MAX_FRAME_SIZE; END_STREAM goes with the last byte if {@code endStream}. Returns the bytes
   * taken; when fewer than offered, {@link Http2Handler#onWritable} follows once there is room. Returns
   * -1 if the stream can no longer send.
   */
  public int sendData(ByteBuffer src, boolean endStream) {
    return connection.outbound.sendData(this, src, endStream);
  }

  /** True if {@code headers} fit the peer's SETTINGS_MAX_HEADER_LIST_SIZE ({@link Http2Connection#headerListFits}). */
  public boolean headerListFits(Http2Headers headers) {
    return connection.headerListFits(headers);
  }

  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE, or {@link Long#MAX_VALUE} while it set none. */
  public long peerMaxHeaderListSize() {
    return connection.peerMaxHeaderListSize();
  }

  /**
   * Sends trailers, ending this side of the stream; false if the stream can no longer send or the list exceeds
   * the peer's SETTINGS_MAX_HEADER_LIST_SIZE (then nothing is sent and the stream stays open).
   */
  public boolean sendTrailers(Http2Headers trailers) {
    return connection.outbound.sendHeaders(this, trailers, true, true);
  }

  /** Resets the stream with {@code code} (RST_STREAM); the owner gets no {@code onReset} for it. */
  public void reset(Http2ErrorCode code) {
    connection.outbound.resetByOwner(this, code);
  }

  /**
   * Returns credit for {@code bytes} of data the owner has passed on, so the peer may send more. At most
   * the bytes delivered and not yet consumed.
   */
  public void consumed(int bytes) {
    connection.outbound.consumed(this, bytes);
  }

  /**
   * Says the owner's work for this stream has stopped, after {@link Http2Handler#onReset}: frees its place
   * in the concurrency limit. Harmless on any other stream.
   */
  public void release() {
    connection.outbound.release(this);
  }

  boolean isClosed() {
    return state == State.CLOSED;
  }

  boolean localEnded() {
    return state == State.HALF_CLOSED_LOCAL || state == State.CLOSED;
  }

  boolean remoteEnded() {
    return state == State.HALF_CLOSED_REMOTE || state == State.CLOSED;
  }

  @Override
  public String toString() {
    return "Http2Stream{id=" + id + " " + state + "}";
  }
}
