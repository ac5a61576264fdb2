package io.lb4j.benchmarks.http;

import io.lb4j.impl.listener.HttpLimits;
import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.ForwardingRewriter;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.RequestHeadParser;
import io.lb4j.impl.listener.http.ResponseHeadParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the HTTP codec costs a proxied request: parse a typical browser request head, check it for a
 * {@code Via} loop and write it towards the backend with hop-by-hop fields removed and
 * {@code X-Forwarded-For}, {@code X-Forwarded-Proto}, {@code X-Forwarded-Port}, {@code X-Real-IP} and
 * {@code Via} added ({@code request}); parse a typical response head, account for its 13-byte body and
 * write it towards the client with a {@code Set-Cookie} and {@code Via} added ({@code response}).
 *
 * <p>{@code impl}: {@code LB4J} (this library's codec, reusing its parser and output buffer per
 * connection) or {@code NETTY} (Netty's {@code HttpRequestDecoder}/{@code HttpResponseDecoder} and
 * encoders in an {@code EmbeddedChannel}, headers changed through {@code HttpHeaders}: what a Netty proxy
 * handler does). Both run in one JMH run; compare ops/us and {@code gc.alloc.rate.norm} (bytes per
 * operation). Run:
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar HttpCodecBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HttpCodecBenchmark {

  /** The codec under test. */
  public enum Impl {
    /** lb4j's strict codec. */
    LB4J,
    /** Netty's HTTP/1.1 decoders and encoders. */
    NETTY
  }

  static final String REQUEST = "GET /products/42?ref=home HTTP/1.1\r\n"
      + "Host: shop.example.com\r\n"
      + "Connection: keep-alive\r\n"
      + "Cache-Control: max-age=0\r\n"
      + "Upgrade-Insecure-Requests: 1\r\n"
      + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      + "Chrome/120.0 Safari/537.36\r\n"
      + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
      + "Sec-Fetch-Site: same-origin\r\n"
      + "Sec-Fetch-Mode: navigate\r\n"
      + "Sec-Fetch-Dest: document\r\n"
      + "Referer: https://shop.example.com/\r\n"
      + "Accept-Encoding: gzip, deflate, br\r\n"
      + "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
      + "Cookie: theme=dark; LB4J_SESSION=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8; "
      + "_ga=GA1.2.1234567890.1700000000\r\n"
      + "\r\n";

  static final String RESPONSE = "HTTP/1.1 200 OK\r\n"
      + "Date: Fri, 27 Nov 2026 12:00:00 GMT\r\n"
      + "Server: backend/1.0\r\n"
      + "Content-Type: text/html; charset=utf-8\r\n"
      + "Content-Length: 13\r\n"
      + "Cache-Control: private, max-age=60\r\n"
      + "ETag: \"5f2b-1a2b3c\"\r\n"
      + "Vary: Accept-Encoding\r\n"
      + "Keep-Alive: timeout=5, max=100\r\n"
      + "Connection: keep-alive\r\n"
      + "Set-Cookie: JSESSIONID=abc123; Path=/; HttpOnly\r\n"
      + "\r\n"
      + "Hello, world!";

  static final String CLIENT_IP = "203.0.113.7";
  static final String SET_COOKIE = "LB4J_SESSION=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8; Path=/; HttpOnly";

  @Param
  Impl impl;

  private final byte[] request = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
  private final byte[] response = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);

  private RequestHeadParser requestParser;
  private ResponseHeadParser responseParser;
  private BodyScanner body;
  private ForwardingRewriter rewriter;
  private ByteBuffer requestIn;
  private ByteBuffer responseIn;
  private ByteBuffer out;

  private EmbeddedChannel requestDecoder;
  private EmbeddedChannel requestEncoder;
  private EmbeddedChannel responseDecoder;
  private EmbeddedChannel responseEncoder;
  /** Set only during set-up: Netty's output is copied into {@code out} for the check. */
  private boolean capture;

  /** Creates the per-connection state and checks that both codecs forward what they should. */
  @Setup
  public void setUp() {
    HttpLimits limits = HttpLimits.defaults();
    requestParser = new RequestHeadParser(limits);
    responseParser = new ResponseHeadParser(limits);
    body = new BodyScanner(limits);
    rewriter = new ForwardingRewriter("lb-web", false, 8080);
    requestIn = ByteBuffer.allocateDirect(request.length).put(request).flip();
    responseIn = ByteBuffer.allocateDirect(response.length).put(response).flip();
    out = ByteBuffer.allocateDirect(4096);
    requestDecoder = new EmbeddedChannel(new HttpRequestDecoder());
    requestEncoder = new EmbeddedChannel(new HttpRequestEncoder());
    responseDecoder = new EmbeddedChannel(new HttpResponseDecoder());
    responseEncoder = new EmbeddedChannel(new HttpResponseEncoder());

    capture = true;
    for (String forwarded : List.of(forwardedRequest(), forwardedResponse())) {
      String lower = forwarded.toLowerCase(Locale.ROOT);
      if (!lower.contains("\r\nvia: 1.1 lb-web\r\n") || lower.contains("keep-alive")) {
        throw new IllegalStateException(impl + " did not rewrite:\n" + forwarded);
      }
    }
    capture = false;
  }

  /** Closes the Netty channels. */
  @TearDown
  public void tearDown() {
    requestDecoder.finishAndReleaseAll();
    requestEncoder.finishAndReleaseAll();
    responseDecoder.finishAndReleaseAll();
    responseEncoder.finishAndReleaseAll();
  }

  /** Parse, loop check and rewrite of one request head; returns the bytes written towards the backend. */
  @Benchmark
  public int request() {
    return impl == Impl.LB4J ? lb4jRequest() : nettyRequest();
  }

  /** Parse, body accounting and rewrite of one response; returns the head bytes written to the client. */
  @Benchmark
  public int response() {
    return impl == Impl.LB4J ? lb4jResponse() : nettyResponse();
  }

  private int lb4jRequest() {
    requestIn.rewind();
    requestParser.reset();
    if (requestParser.parse(requestIn) != ParseResult.COMPLETE) {
      throw new IllegalStateException(requestParser.errorReason());
    }
    RequestHead head = requestParser.head();
    if (rewriter.isLoop(head)) {
      throw new IllegalStateException("loop");
    }
    out.clear();
    return rewriter.writeRequest(head, CLIENT_IP, null, out);
  }

  private int lb4jResponse() {
    responseIn.rewind();
    responseParser.reset();
    if (responseParser.parse(responseIn, false) != ParseResult.COMPLETE) {
      throw new IllegalStateException(responseParser.errorReason());
    }
    body.start(responseParser.head().framing(), responseParser.head().contentLength());
    int bodyBytes = body.scan(responseIn);
    out.clear();
    return rewriter.writeResponse(responseParser.head(), false, false, SET_COOKIE, out) + bodyBytes;
  }

  private int nettyRequest() {
    requestDecoder.writeInbound(Unpooled.wrappedBuffer(request));
    HttpRequest head = requestDecoder.readInbound();
    HttpContent last = requestDecoder.readInbound();
    last.release();
    HttpHeaders h = head.headers();
    for (String via : h.getAll(HttpHeaderNames.VIA)) {
      if (via.contains("lb-web")) {
        throw new IllegalStateException("loop");
      }
    }
    removeHopByHop(h);
    h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    String forwardedFor = h.get("x-forwarded-for");
    h.set("x-forwarded-for", forwardedFor == null ? CLIENT_IP : forwardedFor + ", " + CLIENT_IP);
    h.set("x-forwarded-proto", "http");
    h.set("x-forwarded-port", "8080");
    h.set("x-real-ip", CLIENT_IP);
    h.add(HttpHeaderNames.VIA, "1.1 lb-web");
    requestEncoder.writeOutbound(head, last);
    return drain(requestEncoder);
  }

  private int nettyResponse() {
    responseDecoder.writeInbound(Unpooled.wrappedBuffer(response));
    HttpResponse head = responseDecoder.readInbound();
    HttpContent content = responseDecoder.readInbound();
    HttpHeaders h = head.headers();
    removeHopByHop(h);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    h.add(HttpHeaderNames.SET_COOKIE, SET_COOKIE);
    h.add(HttpHeaderNames.VIA, "1.1 lb-web");
    responseEncoder.writeOutbound(head, content);
    return drain(responseEncoder);
  }

  private static void removeHopByHop(HttpHeaders h) {
    for (String connection : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String option : connection.split(",")) {
        h.remove(option.trim());
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove("proxy-connection");
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.UPGRADE);
  }

  private int drain(EmbeddedChannel channel) {
    int bytes = 0;
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      bytes += buf.readableBytes();
      if (capture) {
        out.put(buf.nioBuffer());
      }
      buf.release();
    }
    return bytes;
  }

  private String forwardedRequest() {
    out.clear();
    return text(impl == Impl.LB4J ? lb4jRequest() : nettyRequest());
  }

  private String forwardedResponse() {
    out.clear();
    return text(impl == Impl.LB4J ? lb4jResponse() : nettyResponse());
  }

  private String text(int length) {
    byte[] bytes = new byte[length];
    out.flip();
    out.get(bytes, 0, Math.min(length, out.remaining()));
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
