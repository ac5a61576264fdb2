package io.lb4j.impl.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one attempt sends: the caller's request as it is (method, headers, body, version, expect-continue),
 * addressed to the selected backend and with the attempt's timeout.
 *
 * <p>A view rather than a copy, for speed: {@code HttpRequest.newBuilder(request, filter)...build()} copied
 * every header twice into sorted maps (once into the builder, once into the built request) for each
 * attempt, and {@code HttpClient} then copies them a third time when it takes the request. The caller's
 * request is immutable ({@code HttpRequest}'s contract), so reading through to it is safe; the JDK treats
 * any request that is not its own builder's the same way (it checks the URI, the timeout and every header
 * as it does for a built request).
 *
 * <p>Immutable and thread-safe; one per attempt, never shared between calls.
 */
final class BackendRequest extends HttpRequest {
  private final HttpRequest request;
  private final URI uri;
  private final Optional<Duration> timeout;
  private final HttpHeaders headers;

  /**
   * @param request the caller's request
   * @param uri where the attempt goes: the backend's origin with the request's path and query
   * @param timeout the attempt's timeout (present)
   * @param hostHeader the {@code Host} header to send instead of the request's own, or null to leave them be
   */
  BackendRequest(HttpRequest request, URI uri, Optional<Duration> timeout, String hostHeader) {
    this.request = request;
    this.uri = uri;
    this.timeout = timeout;
    this.headers = hostHeader == null ? request.headers() : withHost(request.headers(), hostHeader);
  }

  /** {@code headers} with every {@code Host} value replaced by {@code host}, as {@code Builder.setHeader} does. */
  private static HttpHeaders withHost(HttpHeaders headers, String host) {
    Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    map.putAll(headers.map());
    map.put("Host", List.of(host));
    return HttpHeaders.of(map, (name, value) -> true);
  }

  @Override
  public Optional<BodyPublisher> bodyPublisher() {
    return request.bodyPublisher();
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public Optional<Duration> timeout() {
    return timeout;
  }

  @Override
  public boolean expectContinue() {
    return request.expectContinue();
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public Optional<HttpClient.Version> version() {
    return request.version();
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  /** As the JDK's own requests show themselves: {@code http://127.0.0.1:9001/path GET}. */
  @Override
  public String toString() {
    return uri + " " + method();
  }
}
