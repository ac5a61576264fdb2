package io.lb4j.impl.client;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client session of a {@link BalancedHttpClient}, for pools with inserted-cookie session
 * persistence: keeps the session cookie the load balancer issues and sends the session's requests with
 * it, so they stay on one backend for as long as it can take them. When that backend goes away, the
 * next request moves and the session keeps the new cookie.
 *
 * <p>The cookie is the load balancer's and never leaves the client: backends do not see it. Requests
 * sent through the client itself (not a session) each count as a new client.
 *
 * <p>Thread-safe; requests of one session may run concurrently (the last cookie issued wins). Holds no
 * resources: drop it when the session ends.
 *
 * @since 0.1.0
 */
public final class ClientSession {
  private final BalancedHttpClient client;
  private final AtomicReference<String> cookie = new AtomicReference<>();

  ClientSession(BalancedHttpClient client) {
    this.client = client;
  }

  /**
   * Sends {@code request} in this session; see {@link BalancedHttpClient#send}.
   *
   * @param <T> the response body type
   * @param request a request addressed to the pool
   * @param handler the response body handler
   * @return the response
   * @throws RequestFailedException when every attempt failed ({@link NoBackendException} when no backend
   *     was eligible)
   * @throws IOException what the caller's body handler threw, unchanged
   * @throws InterruptedException when the calling thread is interrupted; the request is cancelled
   */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return client.send(request, handler, this);
  }

  /**
   * Sends {@code request} in this session without blocking; see {@link BalancedHttpClient#sendAsync}.
   *
   * @param <T> the response body type
   * @param request a request addressed to the pool
   * @param handler the response body handler
   * @return the response, or {@link RequestFailedException}
   */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return client.sendAsync(request, handler, this);
  }

  /** The session cookie ({@code name=value}) the load balancer issued last, or null before the first. */
  public String cookie() {
    return cookie.get();
  }

  /** Keeps the cookie of a {@code Set-Cookie} value the load balancer issued. */
  void remember(String setCookie) {
    int end = setCookie.indexOf(';');
    cookie.set((end < 0 ? setCookie : setCookie.substring(0, end)).trim());
  }
}
