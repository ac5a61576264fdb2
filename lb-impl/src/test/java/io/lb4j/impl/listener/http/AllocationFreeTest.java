package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lb4j.impl.listener.HttpLimits;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The codec's steady path allocates nothing: once a connection's parsers have grown, parsing, loop
 * detection, rewriting and body scanning of further messages create no objects. Measured with the JVM's
 * per-thread allocation counter (HotSpot), not with time.
 */
class AllocationFreeTest {

  private static final byte[] REQUEST = ("POST /orders?id=42 HTTP/1.1\r\nHost: shop.example\r\n"
      + "User-Agent: test\r\nAccept: */*\r\nCookie: LB=abc; theme=dark\r\nConnection: keep-alive, X-Hop\r\n"
      + "X-Hop: 1\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.1 upstream\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
      + "Keep-Alive: timeout=5\r\nSet-Cookie: s=1\r\n\r\nhello").getBytes(StandardCharsets.ISO_8859_1);

  private final RequestHeadParser requests = new RequestHeadParser(HttpLimits.defaults());
  private final ResponseHeadParser responses = new ResponseHeadParser(HttpLimits.defaults());
  private final BodyScanner body = new BodyScanner(HttpLimits.defaults());
  private final ForwardingRewriter rewriter = new ForwardingRewriter("lb-web", false, 8080);
  private final ByteBuffer requestIn = ByteBuffer.wrap(REQUEST);
  private final ByteBuffer responseIn = ByteBuffer.wrap(RESPONSE);
  private final ByteBuffer out = ByteBuffer.allocate(2048);

  /** One request and one response through the codec; returns a checksum so nothing is optimised away. */
  private long exchange() {
    requestIn.clear();
    requests.reset();
    if (requests.parse(requestIn) != ParseResult.COMPLETE || rewriter.isLoop(requests.head())) {
      throw new AssertionError(requests.errorReason());
    }
    out.clear();
    long sum = rewriter.writeRequest(requests.head(), "127.0.0.1", null, out);
    body.start(requests.head().framing(), requests.head().contentLength());
    sum += body.scan(requestIn);
    responseIn.clear();
    responses.reset();
    if (responses.parse(responseIn, false) != ParseResult.COMPLETE) {
      throw new AssertionError(responses.errorReason());
    }
    out.clear();
    sum += rewriter.writeResponse(responses.head(), false, false, "LB=abc; Path=/", out);
    body.start(responses.head().framing(), responses.head().contentLength());
    return sum + body.scan(responseIn);
  }

  @Test
  void steadyPath_allocatesNothing() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
    com.sun.management.ThreadMXBean hotspot = (com.sun.management.ThreadMXBean) threads;
    assumeTrue(hotspot.isThreadAllocatedMemorySupported() && hotspot.isThreadAllocatedMemoryEnabled());
    long expected = exchange();
    long thread = Thread.currentThread().getId();

    long before = hotspot.getThreadAllocatedBytes(thread);
    long checksum = 0;
    for (int i = 0; i < 10_000; i++) {
      checksum += exchange();
    }
    long allocated = hotspot.getThreadAllocatedBytes(thread) - before;

    assertThat(checksum).isEqualTo(expected * 10_000);
    // The counter's own call may allocate a few bytes; 10,000 exchanges allocating even one object each
    // would show as 160,000 bytes or more.
    assertThat(allocated).isLessThan(1_000);
  }
}
