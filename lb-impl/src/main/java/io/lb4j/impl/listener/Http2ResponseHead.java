package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.ForwardingRewriter;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.listener.http2.Http2Headers;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 backend's response head as HEADERS for an HTTP/2 client (RFC 9113 section 8.2): {@code :status},
 * the fields the HTTP/1.1 rewriter would forward with their names lower-cased (connection-specific ones and
 * the framing fields dropped), the validated {@code content-length}, {@code via: 1.1 <id>} and the session
 * cookie. Reuses one field list; allocation-free once it has grown. Loop thread only.
 */
final class Http2ResponseHead implements ForwardingRewriter.FieldVisitor {
  private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VIA = "via".getBytes(StandardCharsets.US_ASCII);

  private final Http2Headers fields = new Http2Headers();
  /** Scratch: the Via value at its start, a content length's digits at its end. */
  private final byte[] scratch = new byte[96];

  /** {@code head} as HTTP/2 fields (valid until the next call). */
  Http2Headers convert(ResponseHead head, String setCookie, HttpContext http) {
    fields.clear();
    fields.addStatus(head.status());
    http.rewriter.visitResponseFields(head, this);
    if (head.contentLength() >= 0 && !head.isInterim()) {
      int n = digits(head.contentLength());
      fields.add(CONTENT_LENGTH, 0, CONTENT_LENGTH.length, scratch, scratch.length - n, n, false);
    }
    int via = viaValue(head.isHttp11(), http.viaIdBytes);
    fields.add(VIA, 0, VIA.length, scratch, 0, via, false);
    if (setCookie != null) {
      fields.add("set-cookie", setCookie);
    }
    return fields;
  }

  @Override
  public void field(byte[] b, int nameStart, int nameLength, int valueStart, int valueLength) {
    fields.add(b, nameStart, nameLength, b, valueStart, valueLength, false);
    fields.lowerCaseName(fields.size() - 1);
  }

  /** Writes {@code value} as digits at the end of {@link #scratch}; returns their count. */
  private int digits(long value) {
    int p = scratch.length;
    do {
      scratch[--p] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value > 0);
    return scratch.length - p;
  }

  /** Writes {@code 1.1 <via id>} (or 1.0) at the start of {@link #scratch}; returns its length. */
  private int viaValue(boolean http11, byte[] id) {
    scratch[0] = '1';
    scratch[1] = '.';
    scratch[2] = (byte) (http11 ? '1' : '0');
    scratch[3] = ' ';
    System.arraycopy(id, 0, scratch, 4, id.length);
    return 4 + id.length;
  }
}
