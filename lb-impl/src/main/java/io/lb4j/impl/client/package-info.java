/**
 * Client-side balancing in one call: {@link io.lb4j.impl.client.BalancedHttpClient} wraps a
 * {@code java.net.http.HttpClient} and a {@code LoadBalancer}, sends each request to a selected backend,
 * reports the outcome, releases the selection and requeues or retries on another backend where
 * {@link io.lb4j.impl.client.RetryPolicy} says it is safe and its budgets allow.
 * {@link io.lb4j.impl.client.ClientSession} keeps a session cookie;
 * {@link io.lb4j.impl.client.RequestFailedException} (with its {@link io.lb4j.impl.client.FailedAttempt}s)
 * says what happened to a request the client gave up on, {@link io.lb4j.impl.client.NoBackendException} why
 * no backend was eligible; {@link io.lb4j.impl.client.ClientMetrics} counts requests, retries and the
 * retries the budgets refused. Every other type here is package-private.
 */
package io.lb4j.impl.client;
