package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several requests on one connection, cut into pieces of every size, as a listener reads them. */
class PipelinedStreamTest {

  private static final String STREAM = "POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
      + "POST /two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "4;x=1\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nChecksum: 1\r\n\r\n"
      + "GET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

  /** Target and body length of each request, in order. */
  private static List<String> readAll(byte[] stream, int pieceSize) {
    RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());
    BodyScanner body = new BodyScanner(HttpLimits.defaults());
    List<String> requests = new ArrayList<>();
    boolean inBody = false;
    long bodyBytes = 0;
    String target = null;
    for (int offset = 0; offset < stream.length; offset += pieceSize) {
      ByteBuffer piece = ByteBuffer.wrap(stream, offset, Math.min(pieceSize, stream.length - offset));
      while (piece.hasRemaining()) {
        if (!inBody) {
          ParseResult r = parser.parse(piece);
          assertThat(r).as(parser.errorReason()).isNotEqualTo(ParseResult.ERROR);
          if (r == ParseResult.NEED_MORE) {
            break;
          }
          target = parser.head().target();
          body.start(parser.head().framing(), parser.head().contentLength());
          bodyBytes = 0;
          inBody = true;
        }
        int n = body.scan(piece);
        assertThat(body.isError()).as(body.errorReason()).isFalse();
        piece.position(piece.position() + n);
        bodyBytes += n;
        if (body.isComplete()) {
          requests.add(target + " " + bodyBytes);
          parser.reset();
          inBody = false;
        }
      }
    }
    return requests;
  }

  @Test
  void everyPieceSize_yieldsTheSameRequestsAndBodies() {
    byte[] stream = STREAM.getBytes(StandardCharsets.ISO_8859_1);
    int chunkedBody = "4;x=1\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nChecksum: 1\r\n\r\n".length();

    for (int pieceSize = 1; pieceSize <= stream.length; pieceSize++) {
      assertThat(readAll(stream, pieceSize)).as("pieces of %d", pieceSize)
          .containsExactly("/one 11", "/two " + chunkedBody, "/three 0");
    }
  }

  @Test
  void oneSharedRewriter_underContention_writesEveryHeadExactly() throws Exception {
    ForwardingRewriter shared = new ForwardingRewriter("lb-shared", true, 443);
    byte[] request = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: X-Hop\r\nX-Hop: 1\r\n\r\n"
        .getBytes(StandardCharsets.ISO_8859_1);
    int threads = 4;
    int perThread = 5_000;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String client = "127.0.0." + (t + 1);
        String expected = "GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: " + client + "\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Real-IP: " + client + "\r\n"
            + "Via: 1.1 lb-shared\r\n\r\n";
        results.add(pool.submit(() -> {
          RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());
          ByteBuffer out = ByteBuffer.allocate(512);
          int exact = 0;
          start.await();
          for (int i = 0; i < perThread; i++) {
            parser.reset();
            parser.parse(ByteBuffer.wrap(request));
            out.clear();
            int n = shared.writeRequest(parser.head(), client, null, out);
            if (new String(out.array(), 0, n, StandardCharsets.ISO_8859_1).equals(expected)) {
              exact++;
            }
          }
          return exact;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(threads * perThread);
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
