package io.lb4j.impl.client;

import io.lb4j.api.Outcome;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Passes a response body to the caller's subscriber and ends the {@link Attempt} when the body ends:
 * read to the end (the status's outcome), failed by the connection (a reset), or cancelled by the
 * caller, for example by closing the {@code InputStream} of {@code BodyHandlers.ofInputStream()}.
 */
final class ReleasingBodySubscriber<T> implements BodySubscriber<T> {
  /**
   * The JDK's own subscribers that read the whole body before their {@code getBody()} completes:
   * {@code ofString}, {@code ofByteArray}, {@code discarding}, {@code replacing}, {@code ofFile} and
   * {@code ofByteArrayConsumer} (the same classes on JDK 17 to 25). The JDK trusts them to run on its I/O
   * thread; any other subscriber, this class included, has its {@code getBody()} handed to the client's
   * executor, a thread switch per response that cost 15-20% more CPU per request at 8 threads
   * (issue 25 item 7). So these go to the JDK unwrapped, and their attempt ends when the exchange does:
   * for them that is when the body has been read.
   */
  private static final Set<String> ENDS_WITH_EXCHANGE = Set.of(
      "jdk.internal.net.http.ResponseSubscribers$ByteArraySubscriber",
      "jdk.internal.net.http.ResponseSubscribers$NullSubscriber",
      "jdk.internal.net.http.ResponseSubscribers$PathSubscriber",
      "jdk.internal.net.http.ResponseSubscribers$ConsumerSubscriber");

  private final BodySubscriber<T> downstream;
  private final Attempt<?> attempt;

  ReleasingBodySubscriber(BodySubscriber<T> downstream, Attempt<?> attempt) {
    this.downstream = downstream;
    this.attempt = attempt;
  }

  /**
   * True when {@code subscriber} is one of the JDK's subscribers whose exchange completes only once the
   * body has been read (see {@link #ENDS_WITH_EXCHANGE}): it needs no wrapper to tell when its attempt ends.
   */
  static boolean endsWithExchange(BodySubscriber<?> subscriber) {
    return ENDS_WITH_EXCHANGE.contains(subscriber.getClass().getName());
  }

  @Override
  public CompletionStage<T> getBody() {
    return downstream.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    downstream.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        subscription.request(n);
      }

      // The caller gave up on the body, not the backend: the attempt ends with its status before the
      // cancel goes up, because JDK 20+ answers the cancel with onError("subscription cancelled") on
      // this very thread, which must not be reported as a reset of the backend.
      @Override
      public void cancel() {
        try {
          attempt.finish(attempt.statusOutcome());
        } finally {
          subscription.cancel();
        }
      }
    });
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    downstream.onNext(item);
  }

  // The attempt ends before the caller's subscriber hears of it: a caller woken by the end of the body
  // (a blocking send returning, a stream reaching its end) finds the backend already released.

  @Override
  public void onError(Throwable throwable) {
    try {
      attempt.finish(Outcome.failure(Outcome.Kind.RESET, attempt.latency()));
    } finally {
      downstream.onError(throwable);
    }
  }

  @Override
  public void onComplete() {
    try {
      attempt.finish(attempt.statusOutcome());
    } finally {
      downstream.onComplete();
    }
  }
}
