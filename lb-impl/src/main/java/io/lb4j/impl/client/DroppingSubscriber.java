package io.lb4j.impl.client;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Takes the body of a response that is retried, thrown instead of returned, or whose caller cancelled:
 * cancels it at once (the connection is closed rather than drained, so a slow error body does not delay
 * the retry). Stateless apart from its completed body; thread-safe.
 */
final class DroppingSubscriber<T> implements BodySubscriber<T> {
  private final CompletableFuture<T> body = CompletableFuture.completedFuture(null);

  @Override
  public CompletionStage<T> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.cancel();
  }

  @Override
  public void onNext(List<ByteBuffer> item) {}

  @Override
  public void onError(Throwable throwable) {}

  @Override
  public void onComplete() {}
}
