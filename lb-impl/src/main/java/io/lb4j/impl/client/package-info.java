/**
 * Client-side balancing in one call: {@link io.lb4j.impl.client.BalancedHttpClient} wraps a
 * {@code java.net.http.HttpClient} and a {@code LoadBalancer}, sends each request to a selected backend,
 * reports the outcome, releases the selection and retries on another backend where
 * {@link io.lb4j.impl.client.RetryPolicy} says it is safe. {@link io.lb4j.impl.client.ClientSession}
 * keeps a session cookie; {@link io.lb4j.impl.client.NoBackendException} says why no backend was
 * eligible. Every other type here is package-private.
 */
package io.lb4j.impl.client;
