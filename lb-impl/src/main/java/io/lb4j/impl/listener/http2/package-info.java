/**
 * Internal: the HTTP/2 protocol core of lb4j's Layer-7 listeners (RFC 9113 with HPACK, RFC 7541), JDK
 * only. Public only so that the listener package can use it; it may change or disappear in any release.
 * Its limits are {@link io.lb4j.impl.listener.Http2Limits}, configured on the listener.
 *
 * <p>What it holds:
 * <ul>
 *   <li>{@link io.lb4j.impl.listener.http2.Http2Connection}: one connection's protocol state, server or
 *       client side, with no I/O of its own. The owner (an event loop) feeds it bytes, writes what it
 *       queues, arms a timer at its deadline, and gets events through an
 *       {@link io.lb4j.impl.listener.http2.Http2Handler}; each stream is an
 *       {@link io.lb4j.impl.listener.http2.Http2Stream} the owner answers (server) or opened (client).</li>
 *   <li>{@link io.lb4j.impl.listener.http2.HpackDecoder} and
 *       {@link io.lb4j.impl.listener.http2.HpackEncoder}: HPACK with its static and dynamic tables and
 *       Huffman coding, decoding into a reusable {@link io.lb4j.impl.listener.http2.Http2Headers}.</li>
 *   <li>{@link io.lb4j.impl.listener.http2.Http11Conversion}: the message rules of RFC 9113 section 8
 *       and the conversion of requests, responses and trailers to and from HTTP/1.1.</li>
 *   <li>Package-private: the frame reader (bytes split anywhere to frames, with the frame-level rules),
 *       the frame writer and its queue of pooled buffers, the stream map, and the token buckets.</li>
 * </ul>
 *
 * <p><b>Why not Netty's or Jetty's HPACK.</b> lb-impl depends only on caffeine, resilience4j and
 * slf4j-api, and embedders must not inherit a Netty or Jetty version with lb4j (their own versions would
 * clash). No small maintained HPACK-only artifact without such a framework exists, and HPACK is a small,
 * fully specified piece with complete test vectors (RFC 7541 Appendix C), so it is written here; the
 * Huffman code is derived from the RFC's code lengths (it is canonical). Netty's decoder is used only as a
 * peer in lb-benchmarks.
 *
 * <p><b>Strictness.</b> Everything RFC 9113 calls an error is one, with the error code the RFC names:
 * connection errors send GOAWAY and end the connection, stream errors reset the stream. Choices where the
 * RFC leaves room: padding bytes are not checked for zeros (as nghttp2 and Netty); frames on a stream this
 * side reset are ignored for the last {@code 2 * maxConcurrentStreams} such streams (the peer sent them
 * before it knew), while DATA or HEADERS on a stream closed otherwise is a connection error
 * (STREAM_CLOSED), and HEADERS on an unused id below the peer's last one is PROTOCOL_ERROR; a SETTINGS ACK
 * without outstanding SETTINGS is PROTOCOL_ERROR; a GOAWAY that raises its last stream id is
 * PROTOCOL_ERROR; more than two HPACK table size updates in a row, and integers longer than five
 * continuation bytes, are COMPRESSION_ERROR. Requests are checked as the HTTP/1.1 codec checks them
 * (tokens, no control characters, a strict {@code :authority}, RFC 3986 {@code :path}), a
 * {@code content-length} must be one field of digits, and {@code host} must agree with
 * {@code :authority}. Push is disabled on both sides; PUSH_PROMISE is PROTOCOL_ERROR. Priority signals
 * are parsed, checked and otherwise ignored (RFC 9113 section 5.3.2).
 *
 * <p><b>Memory.</b> Per connection at rest: the HPACK tables grow only as entries arrive (to
 * {@code headerTableSize} and {@code encoderTableSize}), the header-block array only as blocks arrive,
 * the stream map with the streams open, and no output buffer once everything is written. In flight: at
 * most {@code maxBufferedOutputBytes} of output (plus the answers to the peer, capped by
 * {@code maxQueuedControlFrames}), at most {@code maxHeaderBlockBytes} of one header block and
 * {@code maxHeaderListSize} of its decoded list, and per stream at most {@code initialWindowSize} of
 * received data the owner has not consumed.
 *
 * <p>Thread-safety: a connection, its streams, decoders, encoders and header lists belong to one event
 * loop thread; {@code Http2Limits} and {@code Http11Conversion} are immutable and shared.
 */
package io.lb4j.impl.listener.http2;
