package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.RequestHeadParser;
import io.lb4j.impl.listener.http.ResponseHeadParser;
import java.util.ArrayDeque;

/**
 * The codec state one Layer-7 exchange needs (request head parser, request body scanner, response head
 * parser, response body scanner: about 3 KiB with their reused head arrays), lent to a connection from the
 * first byte of a request head until the connection is idle again (the connection parses the head with it and
 * hands it to its {@link Exchange}, whose forwarders use the rest), then given back to its loop's
 * {@link Pool}. An idle keep-alive connection holds none, and a busy loop allocates none per request.
 *
 * <p>Confined to one loop's thread, like the connection that borrows it.
 */
final class ExchangeCodec {
  final RequestHeadParser requestParser;
  final BodyScanner requestBody;
  final ResponseHeadParser responseParser;
  final BodyScanner responseBody;

  ExchangeCodec(HttpLimits limits) {
    this.requestParser = new RequestHeadParser(limits);
    this.requestBody = new BodyScanner(limits);
    this.responseParser = new ResponseHeadParser(limits);
    this.responseBody = new BodyScanner(limits);
  }

  /**
   * One loop's free codecs, at most {@link #MAX_POOLED}; a codec whose head arrays grew past
   * {@link #MAX_RETAINED_BYTES} (a large head) is left to the GC rather than kept.
   */
  static final class Pool {
    static final int MAX_POOLED = 256;
    static final int MAX_RETAINED_BYTES = 8 * 1024;

    private final HttpLimits limits;
    private final ArrayDeque<ExchangeCodec> free = new ArrayDeque<>();

    Pool(HttpLimits limits) {
      this.limits = limits;
    }

    /** A codec ready for a new request head. */
    ExchangeCodec take() {
      ExchangeCodec c = free.pollFirst();
      return c != null ? c : new ExchangeCodec(limits);
    }

    /** Takes {@code c} back, reset (null is ignored). */
    void giveBack(ExchangeCodec c) {
      if (c == null || free.size() >= MAX_POOLED
          || c.requestParser.retainedBytes() + c.responseParser.retainedBytes() > MAX_RETAINED_BYTES) {
        return;
      }
      c.requestParser.reset();
      c.responseParser.reset();
      free.addFirst(c);
    }

    /** Free codecs held now (tests). */
    int pooled() {
      return free.size();
    }
  }
}
