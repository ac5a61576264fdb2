/**
 * Internal: the strict HTTP/1.1 codec of lb4j's Layer-7 listener, not exported by the {@code io.lb4j.impl}
 * module; it may change or disappear in any release. Its limits are the one thing users configure, as
 * {@link io.lb4j.impl.listener.HttpLimits}.
 *
 * <p>What it does:
 * <ul>
 *   <li>{@link io.lb4j.impl.listener.http.RequestHeadParser} and {@link
 *       io.lb4j.impl.listener.http.ResponseHeadParser} read a message head from {@code ByteBuffer}s, in
 *       pieces of any size, into a reusable {@link io.lb4j.impl.listener.http.RequestHead} or {@link
 *       io.lb4j.impl.listener.http.ResponseHead}, and decide the message's body framing (RFC 9112
 *       section 6.3).</li>
 *   <li>{@link io.lb4j.impl.listener.http.BodyScanner} walks a body (Content-Length countdown, chunked
 *       with trailers, or until close) without copying it, so the proxy forwards body bytes
 *       unchanged.</li>
 *   <li>{@link io.lb4j.impl.listener.http.ForwardingRewriter} writes a parsed head towards the other
 *       side: hop-by-hop fields removed, {@code X-Forwarded-*}, {@code X-Real-IP} and {@code Via}
 *       added, loops detected by this listener's own {@code Via} id.</li>
 *   <li>{@link io.lb4j.impl.listener.http.HttpErrorResponses} writes the short answers the listener
 *       sends when it refuses a request.</li>
 * </ul>
 *
 * <p><b>Strictness.</b> The codec refuses what other parsers might read differently, rather than
 * guess; every refusal closes the connection. The choices, each with its RFC 9112 / RFC 9110 reason:
 * <ul>
 *   <li>Lines end with CRLF only: a bare LF or a bare CR anywhere in a head is refused (RFC 9112
 *       section 2.2 allows accepting a bare LF; a parser behind us that does not would see another
 *       message). Up to {@value io.lb4j.impl.listener.http.RequestHeadParser#MAX_LEADING_EMPTY_LINES}
 *       empty lines before a request line are ignored (section 2.2).</li>
 *   <li>Fields: no whitespace between name and colon, no obs-fold, no control characters (NUL, CR,
 *       DEL...) in values; {@code Host} exactly once in HTTP/1.1, without commas or spaces.</li>
 *   <li>Framing: {@code Content-Length} with {@code Transfer-Encoding} is refused; so is a
 *       {@code Transfer-Encoding} whose last coding is not {@code chunked}, {@code chunked} applied
 *       twice, {@code Transfer-Encoding} in an HTTP/1.0 request, a {@code Content-Length} that is not
 *       digits or whose repeated values differ ({@code 5, 5} is one value, forwarded once), and a
 *       {@code Connection} header naming {@code Host}, {@code Content-Length} or
 *       {@code Transfer-Encoding}.</li>
 *   <li>Request targets: origin-form, absolute-form {@code http}/{@code https} (its authority must equal
 *       {@code Host}, no userinfo) and {@code *} for {@code OPTIONS}, RFC 3986 characters only;
 *       {@code CONNECT} is not implemented (501).</li>
 *   <li>Chunked bodies: chunk sizes are hex digits fitting a signed 64-bit value, chunk extensions
 *       follow the RFC grammar, data is followed by CRLF, trailers follow the field rules and carry no
 *       {@code Content-Length}, {@code Transfer-Encoding} or {@code Host}; each line is bounded.</li>
 * </ul>
 *
 * <p>Thread-safety: parsers, heads and scanners are per connection and not thread-safe (an event loop
 * owns its connections); {@code HttpLimits} and {@code ForwardingRewriter} are immutable and shared.
 */
package io.lb4j.impl.listener.http;
