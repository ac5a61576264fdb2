package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.RequestHead;
import org.slf4j.Logger;

/**
 * What a Layer-7 request leaves behind when it ends, answered or not: its response counted in the metrics (by
 * status class, with its duration) and one access-log line ({@code io.lb4j.access} at INFO):
 * {@code web 10.0.0.7 a "GET /cart" 200 ok in=312 out=5120 3ms} (listener, client, backend, request, status,
 * cause, bytes in and out, duration; then {@code tls} over HTTPS). An HTTP/2 stream's line ends with
 * {@code h2} (over TLS) or {@code h2c}, counts DATA bytes only, and names how a stream that ended early
 * ended ({@code reset by client}). One per client connection; loop thread only.
 */
final class AccessLog {
  private final HttpContext http;
  private final String clientIp;

  AccessLog(HttpContext http, String clientIp) {
    this.http = http;
    this.clientIp = clientIp;
  }

  /**
   * A request ended with {@code status} (0 when no response started), {@code failure} (null when it went
   * well), {@code nanos} after it began.
   *
   * @param request the parsed head, or null when the head was refused
   * @param backend the backend's name, or "-"
   */
  void ended(RequestHead request, Object backend, int status, FailureCause failure, long bytesIn, long bytesOut,
      long nanos) {
    if (status != 0) {
      http.proxy.metrics.response(status, nanos);
    }
    Logger access = http.accessLog;
    if (!access.isInfoEnabled()) {
      return;
    }
    access.info("{} {} {} \"{} {}\" {} {} in={} out={} {}ms{}", http.proxy.listener.name(), clientIp, backend,
        request != null ? request.method() : "-", request != null ? request.target() : "-", status,
        failure != null ? failure.label() : "ok", bytesIn, bytesOut, nanos / 1_000_000, http.https() ? " tls" : "");
  }

  /**
   * HTTP/2: stream {@code p}'s request ended with {@code status} (0 when no response started),
   * {@code failure} (null when it went well) or else {@code outcome} (null: "ok").
   */
  void endedStream(StreamProxy p, int status, FailureCause failure, String outcome, long nanos) {
    if (status != 0) {
      http.proxy.metrics.response(status, nanos);
    }
    Logger access = http.accessLog;
    if (!access.isInfoEnabled()) {
      return;
    }
    access.info("{} {} {} \"{} {}\" {} {} in={} out={} {}ms {}", http.proxy.listener.name(), clientIp,
        p.logBackend(), p.logMethod(), p.logTarget(), status,
        failure != null ? failure.label() : outcome != null ? outcome : "ok", p.bytesIn, p.bytesOut, nanos / 1_000_000,
        http.https() ? "h2" : "h2c");
  }
}
