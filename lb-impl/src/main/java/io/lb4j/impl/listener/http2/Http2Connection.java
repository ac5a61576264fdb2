package io.lb4j.impl.listener.http2;

import io.lb4j.impl.listener.Http2Limits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection's protocol state, server or client side, without any I/O: the owner feeds it the
 * bytes it reads ({@link #receive}), writes what it queues ({@link #flushTo}), calls {@link #onTimer}
 * at {@link #nextDeadlineNanos()}, and gets stream and connection events through an
 * {@link Http2Handler}. It speaks RFC 9113 with HPACK (RFC 7541), strictly: every frame-level, stream
 * state, flow-control and message rule is enforced with the error code the RFC names.
 *
 * <p><b>Streams and flow control.</b> The peer may open up to {@code maxConcurrentStreams}; a stream the
 * peer resets keeps its place until the owner {@linkplain Http2Stream#release() releases} it. The
 * connection's receive window is credited back as data arrives, and each stream's as its owner
 * {@linkplain Http2Stream#consumed consumes} the data: so a stream whose owner is slow stops its own
 * sender, never the others, and the owner holds at most {@code initialWindowSize} per stream. Outbound,
 * {@link Http2Stream#sendData} takes only what the peer's windows and this side's output room
 * ({@code maxBufferedOutputBytes}) allow and the rest waits, in the owner's buffer, for
 * {@link Http2Handler#onWritable}: nothing is buffered without bound in either direction.
 *
 * <p><b>Defences</b> (each limit in {@link Http2Limits}): concurrency (REFUSED_STREAM), rapid reset and
 * resets caused by the peer (a token bucket, then GOAWAY ENHANCE_YOUR_CALM), SETTINGS, PING, PRIORITY,
 * WINDOW_UPDATE and empty-DATA floods (token buckets, then ENHANCE_YOUR_CALM), control frames queued
 * while the peer does not read (ENHANCE_YOUR_CALM), header blocks capped in bytes and CONTINUATION
 * frames, decoded header lists capped (431 or a reset), the HPACK bomb (see {@link HpackDecoder}), an
 * idle-stream timeout and a SETTINGS acknowledgement timeout.
 *
 * <p><b>Threading and lifecycle.</b> Not thread-safe: everything runs on the owner's event-loop thread.
 * Create with {@link #server} or {@link #client}, {@link #start()} once, then receive and flush until
 * {@link #isOpen()} turns false (a GOAWAY is then queued: flush it) or the socket closes; then
 * {@link #close()}, which gives every buffer back. Time comes from the given clock, read once per
 * {@code receive}, {@code flushTo} and {@code onTimer}, so tests drive it without sleeping.
 *
 * @since 0.1.0
 */
public final class Http2Connection {
  private static final Logger log = LoggerFactory.getLogger(Http2Connection.class);

  private static final int MAX_DEBUG = 256;

  final boolean server;
  final Http2Limits limits;
  final Http2Handler handler;
  private final LongSupplier clock;
  final OutboundQueue out;
  final FrameWriter writer;
  final HpackDecoder decoder;
  final HpackEncoder encoder;
  private final FrameReader reader;
  final StreamMap streams;
  final Outbound outbound = new Outbound(this);

  long now;
  int lastPeerStreamId;
  int nextLocalStreamId;
  /** Peer-initiated streams counting against maxConcurrentStreams (open, or reset and not yet released). */
  int peerSlots;
  /** Streams this side opened that are not closed. */
  int localOpen;

  long peerMaxConcurrentStreams = 100;
  long peerInitialWindow = Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE;
  int peerMaxFrameSize = Http2Frames.DEFAULT_MAX_FRAME_SIZE;
  long peerMaxHeaderListSize = Long.MAX_VALUE;

  /** The receive window new streams get: the protocol default until the peer acknowledges ours. */
  int localInitialWindow = Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE;
  boolean settingsAckPending;
  /** The peer's first SETTINGS frame arrived: its limits (concurrent streams...) are known. */
  boolean peerSettingsReceived;
  long settingsDeadline;

  long connSendWindow = Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE;
  int connRecvWindow = Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE;
  int connRecvUnacked;

  boolean goAwaySent;
  int goAwayLastStreamId = Integer.MAX_VALUE;
  boolean goAwayReceived;
  int peerGoAwayLastStreamId = Integer.MAX_VALUE;
  private boolean started;
  private boolean failed;
  private boolean closed;

  final RateLimiter settingsRate;
  final RateLimiter pingRate;
  final RateLimiter priorityRate;
  final RateLimiter windowUpdateRate;
  final RateLimiter emptyDataRate;
  final RateLimiter resetRate;
  /**
   * Control frames queued in answer to the peer and maybe not yet written: counted until the output has
   * been written past the last one ({@code controlFramesEnd}), so a peer that reads keeps the count low
   * even while a long download keeps the output busy.
   */
  int queuedControlFrames;
  private long controlFramesEnd;

  static final int UNKNOWN = 0;
  static final int RESET_HERE = 1;
  static final int CLOSED = 2;
  /**
   * Ids of the streams closed most recently, marked when this side reset them: frames the peer sent
   * before it learnt of a reset are ignored, frames on a stream it closed itself are errors.
   */
  private int[] recentlyClosed;
  private int recentlyClosedNext;

  private Http2Stream[] scratch = new Http2Stream[16];

  private Http2Connection(boolean server, Http2Limits limits, Http2Handler handler, Http2BufferPool buffers,
      LongSupplier clock) {
    this.server = server;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.out = new OutboundQueue(Objects.requireNonNull(buffers, "buffers"));
    this.writer = new FrameWriter(out);
    // The peer's encoder starts at the protocol's 4096 until it sees this side's SETTINGS acknowledged.
    this.decoder = new HpackDecoder(Http2Frames.DEFAULT_HEADER_TABLE_SIZE, limits.maxHeaderListSize());
    this.encoder = new HpackEncoder(limits.encoderTableSize());
    // Small at first (it grows when half full): an idle connection should not hold room for 100 streams.
    this.streams = new StreamMap(8);
    this.reader = new FrameReader(new Inbound(this), server, limits.maxFrameSize(), limits.maxHeaderBlockBytes(),
        limits.maxContinuationFrames());
    this.nextLocalStreamId = server ? 2 : 1;
    this.now = clock.getAsLong();
    this.settingsRate = new RateLimiter(limits.settingsRate(), now);
    this.pingRate = new RateLimiter(limits.pingRate(), now);
    this.priorityRate = new RateLimiter(limits.priorityRate(), now);
    this.windowUpdateRate = new RateLimiter(limits.windowUpdateRate(), now);
    this.emptyDataRate = new RateLimiter(limits.emptyDataRate(), now);
    this.resetRate = new RateLimiter(limits.resetRate(), now);
  }

  /**
   * The server side of a connection: it expects the client preface, answers requests and never opens
   * streams. {@code clock} gives monotonic nanoseconds ({@code System::nanoTime}).
   */
  public static Http2Connection server(Http2Limits limits, Http2Handler handler, Http2BufferPool buffers,
      LongSupplier clock) {
    return new Http2Connection(true, limits, handler, buffers, clock);
  }

  /** The client side of a connection: it sends the preface and opens streams with {@link #openStream}. */
  public static Http2Connection client(Http2Limits limits, Http2Handler handler, Http2BufferPool buffers,
      LongSupplier clock) {
    return new Http2Connection(false, limits, handler, buffers, clock);
  }

  /**
   * A prefix check for a plain listener deciding between HTTP/1.1 and prior-knowledge h2c: 1 if the bytes
   * from {@code in}'s position start with the whole client preface, 0 if they are a prefix of it (read
   * more), -1 if they cannot be. Reads without consuming.
   */
  public static int matchPreface(ByteBuffer in) {
    int n = Math.min(in.remaining(), Http2Frames.PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (in.get(in.position() + i) != Http2Frames.PREFACE[i]) {
        return -1;
      }
    }
    return n == Http2Frames.PREFACE.length ? 1 : 0;
  }

  /**
   * Queues this side's opening: the preface (client), SETTINGS and, if the connection window is larger
   * than the protocol's 65535, a WINDOW_UPDATE for the difference.
   */
  public void start() {
    if (started) {
      throw new IllegalStateException("the connection was already started");
    }
    started = true;
    now = clock.getAsLong();
    if (!server) {
      writer.writePreface();
    }
    int[] ids = new int[6];
    long[] values = new long[6];
    int n = 0;
    if (limits.headerTableSize() != Http2Frames.DEFAULT_HEADER_TABLE_SIZE) {
      ids[n] = Http2Frames.SETTINGS_HEADER_TABLE_SIZE;
      values[n++] = limits.headerTableSize();
    }
    if (server) {
      ids[n] = Http2Frames.SETTINGS_MAX_CONCURRENT_STREAMS;
      values[n++] = limits.maxConcurrentStreams();
    } else {
      ids[n] = Http2Frames.SETTINGS_ENABLE_PUSH;
      values[n++] = 0;
    }
    if (limits.initialWindowSize() != Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE) {
      ids[n] = Http2Frames.SETTINGS_INITIAL_WINDOW_SIZE;
      values[n++] = limits.initialWindowSize();
    }
    if (limits.maxFrameSize() != Http2Frames.DEFAULT_MAX_FRAME_SIZE) {
      ids[n] = Http2Frames.SETTINGS_MAX_FRAME_SIZE;
      values[n++] = limits.maxFrameSize();
    }
    ids[n] = Http2Frames.SETTINGS_MAX_HEADER_LIST_SIZE;
    values[n++] = limits.maxHeaderListSize();
    writer.writeSettings(ids, values, n);
    settingsAckPending = true;
    settingsDeadline = now + limits.settingsAckTimeout().toNanos();
    int extra = limits.connectionWindowSize() - Http2Frames.DEFAULT_INITIAL_WINDOW_SIZE;
    if (extra > 0) {
      writer.writeWindowUpdate(0, extra);
      connRecvWindow += extra;
    }
  }

  /**
   * Reads every byte of {@code in}, dispatching events to the handler. Returns false once the
   * connection has failed (a GOAWAY is queued) or was closed; further bytes are then ignored.
   */
  public boolean receive(ByteBuffer in) {
    if (!isOpen()) {
      in.position(in.limit());
      return false;
    }
    requireStarted();
    now = clock.getAsLong();
    try {
      reader.read(in);
    } catch (Http2Exception e) {
      in.position(in.limit());
      fail(e.code(), e.getMessage());
      return false;
    } catch (RuntimeException e) {
      in.position(in.limit());
      log.warn("HTTP/2 connection failed while handling a frame", e);
      fail(Http2ErrorCode.INTERNAL_ERROR, "internal error");
      return false;
    }
    outbound.dispatchWritable();
    return isOpen();
  }

  /**
   * Writes queued frames to {@code channel} (one gathering write) and, once the output has drained to half
   * of {@code maxBufferedOutputBytes}, lets waiting streams write again. Returns the bytes written.
   */
  public long flushTo(GatheringByteChannel channel) throws IOException {
    now = clock.getAsLong();
    long written = out.flushTo(channel);
    if (out.writtenUpTo() >= controlFramesEnd) {
      queuedControlFrames = 0;
    }
    if (out.queuedBytes() <= limits.maxBufferedOutputBytes() / 2 && !closed) {
      outbound.dispatchWritable();
    }
    return written;
  }

  /** True if frames are queued for the socket. */
  public boolean hasOutput() {
    return !out.isEmpty();
  }

  /** The bytes queued for the socket. */
  public long outputBytes() {
    return out.queuedBytes();
  }

  /** True until the connection failed, was closed, or sent or received GOAWAY with an error. */
  public boolean isOpen() {
    return !failed && !closed;
  }

  /** True once this side sent GOAWAY: the peer's new streams above its last stream id are ignored. */
  public boolean isGoAwaySent() {
    return goAwaySent;
  }

  /** True once the peer sent GOAWAY: no new stream may be opened. */
  public boolean isGoAwayReceived() {
    return goAwayReceived;
  }

  /**
   * True once the peer's first SETTINGS frame was read: its SETTINGS_MAX_CONCURRENT_STREAMS is known, so a
   * client that waits for it never opens streams the peer would refuse (grpc-java waits for it too).
   */
  public boolean peerSettingsReceived() {
    return peerSettingsReceived;
  }

  /** True while this side's SETTINGS wait for the peer's acknowledgement (a deadline runs meanwhile). */
  public boolean awaitingSettingsAck() {
    return settingsAckPending;
  }

  /** True on the server side. */
  public boolean isServer() {
    return server;
  }

  /** Streams not yet closed. */
  public int openStreams() {
    return streams.size();
  }

  /** Places taken in this side's concurrency limit: open peer streams and reset ones not yet released. */
  public int streamSlotsInUse() {
    return peerSlots;
  }

  /** The highest stream id the peer opened (or tried to). */
  public int lastPeerStreamId() {
    return lastPeerStreamId;
  }

  /** The open stream {@code id}, or null. */
  public Http2Stream stream(int id) {
    return streams.get(id);
  }

  /** True if {@link #openStream} would open a stream now (client side). */
  public boolean canOpenStream() {
    return !server && isOpen() && !goAwayReceived && !goAwaySent && localOpen < peerMaxConcurrentStreams
        && nextLocalStreamId > 0;
  }

  /**
   * True if {@code headers} fit the peer's SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 section 6.5.2: each field
   * counted as name + value + 32 bytes). The peer announces it would refuse a larger list, so this side does
   * not send one: {@link #openStream} refuses it, and a stream's {@link Http2Stream#sendHeaders} and
   * {@link Http2Stream#sendTrailers} return false for it. Until the peer's first SETTINGS arrive, any list fits.
   */
  public boolean headerListFits(Http2Headers headers) {
    return headers.listSize() <= peerMaxHeaderListSize;
  }

  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE, or {@link Long#MAX_VALUE} while it set none. */
  public long peerMaxHeaderListSize() {
    return peerMaxHeaderListSize;
  }

  /**
   * Client side: opens a stream with {@code request}'s headers (a request the owner built, pseudo-header
   * fields first). Returns null when no stream can be opened now: the peer's SETTINGS_MAX_CONCURRENT_STREAMS
   * is reached, a GOAWAY was sent or received, or stream ids are used up. A value, not an exception, since
   * a pool of connections asks this on every request.
   *
   * @throws IllegalArgumentException if {@code request} does not fit the peer's SETTINGS_MAX_HEADER_LIST_SIZE
   *     (check {@link #headerListFits} first): nothing is opened, as a stream whose headers cannot be sent
   *     would never end
   */
  public Http2Stream openStream(Http2Headers request, boolean endStream) {
    if (server) {
      throw new IllegalStateException("a server connection does not open streams");
    }
    requireStarted();
    if (!headerListFits(request)) {
      throw new IllegalArgumentException("a header list of " + request.listSize() + " bytes is larger than"
          + " the peer's SETTINGS_MAX_HEADER_LIST_SIZE of " + peerMaxHeaderListSize);
    }
    if (!canOpenStream()) {
      return null;
    }
    int id = nextLocalStreamId;
    nextLocalStreamId += 2;
    Http2Stream s = new Http2Stream(this, id, Http2Stream.State.OPEN);
    s.sendWindow = peerInitialWindow;
    s.recvWindow = localInitialWindow;
    s.dispatched = true;
    s.lastActivity = now;
    int method = request.indexOf(":method");
    s.headRequest = method >= 0 && request.valueIs(method, "HEAD");
    streams.put(id, s);
    localOpen++;
    outbound.sendHeaders(s, request, endStream, false);
    return s;
  }

  /** Sends a PING; the peer's acknowledgement arrives as {@link Http2Handler#onPingAck}. */
  public void ping(long data) {
    requireStarted();
    if (isOpen()) {
      writer.writePing(false, data);
    }
  }

  /**
   * Sends GOAWAY. With {@link Http2ErrorCode#NO_ERROR} it is a graceful shutdown: streams up to the peer's
   * last one go on, newer ones are ignored (the peer may retry them elsewhere), and the owner closes the
   * connection once {@link #openStreams()} is 0. Any other code fails the connection.
   */
  public void goAway(Http2ErrorCode code, String debug) {
    requireStarted();
    if (code == Http2ErrorCode.NO_ERROR) {
      if (!goAwaySent && isOpen()) {
        goAwaySent = true;
        goAwayLastStreamId = lastPeerStreamId;
        writer.writeGoAway(lastPeerStreamId, code, debugBytes(debug));
      }
    } else {
      fail(code, debug);
    }
  }

  /** When {@link #onTimer()} has work next (nanoseconds on the clock), or {@code Long.MAX_VALUE}. */
  public long nextDeadlineNanos() {
    long next = settingsAckPending ? settingsDeadline : Long.MAX_VALUE;
    long idle = limits.streamIdleTimeout().toNanos();
    if (idle > 0 && streams.size() > 0) {
      scratch = streams.snapshot(scratch);
      for (int i = 0; i < scratch.length && scratch[i] != null; i++) {
        next = Math.min(next, scratch[i].lastActivity + idle);
      }
    }
    return next;
  }

  /**
   * Runs what is due: fails the connection if the peer has not acknowledged SETTINGS in time
   * (SETTINGS_TIMEOUT), resets streams idle for longer than {@code streamIdleTimeout} (CANCEL).
   */
  public void onTimer() {
    if (!isOpen() || !started) {
      return;
    }
    now = clock.getAsLong();
    if (settingsAckPending && now - settingsDeadline >= 0) {
      fail(Http2ErrorCode.SETTINGS_TIMEOUT, "SETTINGS not acknowledged in " + io.lb4j.api.internal.Checks.format(limits.settingsAckTimeout()));
      return;
    }
    long idle = limits.streamIdleTimeout().toNanos();
    if (idle > 0 && streams.size() > 0) {
      scratch = streams.snapshot(scratch);
      for (int i = 0; i < scratch.length && scratch[i] != null; i++) {
        Http2Stream s = scratch[i];
        if (!s.isClosed() && now - (s.lastActivity + idle) >= 0) {
          resetStream(s, Http2ErrorCode.CANCEL, "idle for " + io.lb4j.api.internal.Checks.format(limits.streamIdleTimeout()));
        }
      }
    }
    outbound.dispatchWritable();
  }

  /**
   * Ends the connection (the socket is closed or about to be): every open stream gets
   * {@link Http2Handler#onReset} with CANCEL, and every queued buffer goes back to the pool.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    resetAll(Http2ErrorCode.CANCEL);
    out.release();
  }

  // ---- state changes shared with Inbound and Outbound ----

  void localEnd(Http2Stream s) {
    s.ownerDone = true;
    if (s.state == Http2Stream.State.OPEN) {
      s.state = Http2Stream.State.HALF_CLOSED_LOCAL;
    } else if (s.state == Http2Stream.State.HALF_CLOSED_REMOTE) {
      closeStream(s);
    }
  }

  void remoteEnd(Http2Stream s) {
    if (s.state == Http2Stream.State.OPEN) {
      s.state = Http2Stream.State.HALF_CLOSED_REMOTE;
    } else if (s.state == Http2Stream.State.HALF_CLOSED_LOCAL) {
      closeStream(s);
    }
  }

  void closeStream(Http2Stream s) {
    s.state = Http2Stream.State.CLOSED;
    streams.remove(s.id());
    rememberClosed(s.id(), s.resetHere);
    if (s.waiting) {
      outbound.removeWaiting(s);
    }
    if (isLocal(s.id())) {
      localOpen--;
    }
    if (s.ownerDone || !s.dispatched) {
      freeSlot(s);
    }
  }

  void freeSlot(Http2Stream s) {
    if (s.slotHeld) {
      s.slotHeld = false;
      peerSlots--;
    }
  }

  /**
   * Resets stream {@code s} because of the peer or a timeout: RST_STREAM, and the owner told with
   * {@code reason} kept on the stream.
   */
  void resetStream(Http2Stream s, Http2ErrorCode code, String reason) {
    if (s.isClosed()) {
      return;
    }
    writer.writeRstStream(s.id(), code);
    s.resetHere = true;
    s.resetCode = code;
    s.resetReason = reason;
    closeStream(s);
    if (s.dispatched) {
      handler.onReset(s, code);
    }
  }

  /**
   * Writes RST_STREAM for a stream that never became an {@link Http2Stream} (refused), remembering it
   * so frames the peer already sent on it are ignored.
   */
  void writeRst(int streamId, Http2ErrorCode code) {
    writer.writeRstStream(streamId, code);
    rememberClosed(streamId, true);
  }

  void controlFrameQueued() {
    controlFramesEnd = out.queuedUpTo();
    if (++queuedControlFrames > limits.maxQueuedControlFrames()) {
      throw Http2Exception.connection(Http2ErrorCode.ENHANCE_YOUR_CALM, "more than "
          + limits.maxQueuedControlFrames() + " control frames queued for a peer that does not read them");
    }
  }

  /** Counts a reset caused by the peer against its budget (CVE-2023-44487 and variants). */
  void chargeReset() {
    if (server && !resetRate.tryAcquire(now)) {
      throw Http2Exception.connection(Http2ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
    }
  }

  /** Notes how stream {@code streamId} closed: reset by this side, or otherwise. */
  void rememberClosed(int streamId, boolean resetByThisSide) {
    if (recentlyClosed == null) {
      recentlyClosed = new int[Math.min(1024, Math.max(32, 2 * limits.maxConcurrentStreams()))];
    }
    // The sign bit (never part of a stream id) marks streams this side reset.
    recentlyClosed[recentlyClosedNext] = resetByThisSide ? streamId | 0x80000000 : streamId;
    recentlyClosedNext = (recentlyClosedNext + 1) % recentlyClosed.length;
  }

  /** {@link #RESET_HERE}, {@link #CLOSED} or {@link #UNKNOWN} for a recently closed stream id. */
  int closedHow(int streamId) {
    if (recentlyClosed != null) {
      for (int entry : recentlyClosed) {
        if ((entry & 0x7FFFFFFF) == streamId && entry != 0) {
          return entry < 0 ? RESET_HERE : CLOSED;
        }
      }
    }
    return UNKNOWN;
  }

  /** True for ids of streams this side opens (odd on a client, even on a server). */
  boolean isLocal(int streamId) {
    return server == ((streamId & 1) == 0);
  }

  /** True if no stream with this id was ever opened by its side. */
  boolean isIdle(int streamId) {
    return isLocal(streamId) ? streamId >= nextLocalStreamId : streamId > lastPeerStreamId;
  }

  /** Fails the connection: GOAWAY with {@code code}, every stream reset for its owner, the handler told. */
  void fail(Http2ErrorCode code, String reason) {
    if (failed || closed) {
      return;
    }
    failed = true;
    goAwaySent = true;
    writer.writeGoAway(lastPeerStreamId, code, debugBytes(reason));
    resetAll(code);
    try {
      handler.onConnectionError(code, reason);
    } catch (RuntimeException e) {
      log.warn("HTTP/2 handler failed on a connection error", e);
    }
  }

  private void resetAll(Http2ErrorCode code) {
    scratch = streams.snapshot(scratch);
    for (int i = 0; i < scratch.length && scratch[i] != null; i++) {
      Http2Stream s = scratch[i];
      scratch[i] = null;
      s.resetCode = code;
      closeStream(s);
      if (s.dispatched) {
        try {
          handler.onReset(s, code);
        } catch (RuntimeException e) {
          // The connection is ending anyway: one owner's failure must not keep the others uninformed.
          log.warn("HTTP/2 handler failed on the reset of stream {}", s.id(), e);
        }
      }
    }
  }

  private void requireStarted() {
    if (!started) {
      throw new IllegalStateException("start() the connection first");
    }
  }

  private static byte[] debugBytes(String debug) {
    if (debug == null) {
      return new byte[0];
    }
    byte[] b = debug.getBytes(StandardCharsets.US_ASCII);
    return b.length <= MAX_DEBUG ? b : java.util.Arrays.copyOf(b, MAX_DEBUG);
  }
}
