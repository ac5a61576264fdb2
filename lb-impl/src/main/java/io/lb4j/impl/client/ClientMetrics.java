package io.lb4j.impl.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of a {@link BalancedHttpClient}'s counters, since it was built: requests, attempts,
 * retries and requeues sent, retries and requeues its budgets refused, requests that failed, the tokens
 * left, and per backend how many retries and requeues followed its answers and how many of those the
 * budgets refused. Read it with {@link BalancedHttpClient#metrics()}; bind it to a metrics library by
 * reading it when scraped (the examples module's {@code MicrometerMetrics} does), or hand it to
 * {@code Diagnostics.examine(pool, metrics)}.
 *
 * <p>{@link #retriesRefused()} and {@link #requeuesRefused()} are Envoy's
 * {@code upstream_rq_retry_overflow}: each is a request whose caller got the last answer or failure
 * because a budget was empty. Counters are read one after the other while requests run, so two of them
 * may disagree by the requests in flight.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class ClientMetrics {

  /**
   * What followed the answers (or failures) of one backend.
   *
   * @param retries retries sent after its answers (tokens of the retry budget spent)
   * @param requeues requeues sent after its refused or failed connections (tokens of the requeue budget)
   * @param refused retries and requeues the budgets refused after its answers
   */
  public record BackendCounts(long retries, long requeues, long refused) {}

  private final String pool;
  private final RetryPolicy retryPolicy;
  private final long requests;
  private final long noBackend;
  private final long retries;
  private final long requeues;
  private final long retriesRefused;
  private final long requeuesRefused;
  private final long failures;
  private final double retryTokens;
  private final double requeueTokens;
  private final Map<String, BackendCounts> byBackend;

  ClientMetrics(String pool, RetryPolicy retryPolicy, long requests, long noBackend, long retries, long requeues, long retriesRefused,
      long requeuesRefused, long failures, double retryTokens, double requeueTokens,
      Map<String, BackendCounts> byBackend) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    this.requests = requests;
    this.noBackend = noBackend;
    this.retries = retries;
    this.requeues = requeues;
    this.retriesRefused = retriesRefused;
    this.requeuesRefused = requeuesRefused;
    this.failures = failures;
    this.retryTokens = retryTokens;
    this.requeueTokens = requeueTokens;
    this.byBackend = Collections.unmodifiableMap(new LinkedHashMap<>(byBackend));
  }

  /** The name of the client's pool. */
  public String pool() {
    return pool;
  }

  /** The client's retry policy, with its budgets. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** Requests sent through the client ({@code send} and {@code sendAsync} calls). */
  public long requests() {
    return requests;
  }

  /** Requests that found no eligible backend for their first attempt ({@link NoBackendException}). */
  public long noBackend() {
    return noBackend;
  }

  /** Attempts sent to backends: first attempts, retries and requeues. */
  public long attempts() {
    return requests - noBackend + retries + requeues;
  }

  /** Retries sent: attempts after an answer or failure a backend may have seen. */
  public long retries() {
    return retries;
  }

  /** Requeues sent: attempts after a refused or failed connection, which no backend saw. */
  public long requeues() {
    return requeues;
  }

  /** Retries the retry budget refused: the caller got the last answer or failure instead. */
  public long retriesRefused() {
    return retriesRefused;
  }

  /** Requeues the requeue budget refused: the caller got the connection failure instead. */
  public long requeuesRefused() {
    return requeuesRefused;
  }

  /** Requests that ended in {@link RequestFailedException}, {@link NoBackendException} included. */
  public long failures() {
    return failures;
  }

  /** The tokens left in the retry budget now. */
  public double retryTokens() {
    return retryTokens;
  }

  /** The tokens left in the requeue budget now. */
  public double requeueTokens() {
    return requeueTokens;
  }

  /**
   * Per backend id, the retries and requeues that followed its answers and those the budgets refused:
   * which backends spend the budgets. Only backends with a count are listed; past 1024 backends the rest
   * are counted under {@code "(other)"}.
   */
  public Map<String, BackendCounts> byBackend() {
    return byBackend;
  }

  @Override
  public String toString() {
    return "ClientMetrics{pool=" + pool + " requests=" + requests + " attempts=" + attempts() + " retries=" + retries
        + " requeues=" + requeues + " retriesRefused=" + retriesRefused + " requeuesRefused=" + requeuesRefused
        + " failures=" + failures + " noBackend=" + noBackend + "}";
  }
}
