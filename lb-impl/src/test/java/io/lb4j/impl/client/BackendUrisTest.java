package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The remembered backend URIs: exactly the URI a parse would give, whatever was sent before and by whom. */
class BackendUrisTest {
  private static final String A = "http://127.0.0.2:9001";
  private static final String B = "http://127.0.0.3:9002";

  private final BackendUris uris = new BackendUris();

  @Test
  void resolve_keepsThePathAndQuery_atTheOrigin() {
    assertThat(uris.resolve(URI.create("http://web/orders/42?x=1&y=%20"), A))
        .hasToString("http://127.0.0.2:9001/orders/42?x=1&y=%20");
    assertThat(uris.resolve(URI.create("http://web"), A)).hasToString("http://127.0.0.2:9001/");
    assertThat(uris.resolve(URI.create("http://web/"), A)).hasToString("http://127.0.0.2:9001/");
    assertThat(uris.resolve(URI.create("http://web/?q"), A)).hasToString("http://127.0.0.2:9001/?q");
  }

  @Test
  void resolve_returnsTheRememberedUri_forTheSamePathQueryAndOrigin() {
    URI first = uris.resolve(URI.create("http://web/orders?id=1"), A);

    assertThat(uris.resolve(URI.create("http://web/orders?id=1"), A)).isSameAs(first);
    assertThat(uris.resolve(URI.create("http://web/orders?id=1"), B)).hasToString("http://127.0.0.3:9002/orders?id=1");
    assertThat(uris.resolve(URI.create("http://web/orders?id=2"), A)).hasToString("http://127.0.0.2:9001/orders?id=2");
    assertThat(uris.resolve(URI.create("http://web/orders"), A)).hasToString("http://127.0.0.2:9001/orders");
  }

  @Test
  void resolve_remembersUpToTheLongestPathAndQuery_andParsesLongerOnesEachTime() {
    String atLimit = "/" + "a".repeat(BackendUris.MAX_REMEMBERED_LENGTH - 2) + "?q";
    String overLimit = "/" + "a".repeat(BackendUris.MAX_REMEMBERED_LENGTH - 1) + "?q";
    assertThat(atLimit).hasSize(BackendUris.MAX_REMEMBERED_LENGTH + 1); // with the '?', which is not counted

    URI remembered = uris.resolve(URI.create("http://web" + atLimit), A);
    URI parsed = uris.resolve(URI.create("http://web" + overLimit), A);

    assertThat(uris.resolve(URI.create("http://web" + atLimit), A)).isSameAs(remembered);
    assertThat(uris.resolve(URI.create("http://web" + overLimit), A)).isNotSameAs(parsed).isEqualTo(parsed)
        .hasToString(A + overLimit);
  }

  @Test
  void resolve_comparesEscapesExactly_thoughUriEqualsIgnoresTheirCase() {
    URI lower = URI.create("http://web/a%2fb");
    URI upper = URI.create("http://web/a%2Fb");
    assertThat(lower).isEqualTo(upper); // URI.equals: escaped octets compare without regard to case

    assertThat(uris.resolve(lower, A)).hasToString("http://127.0.0.2:9001/a%2fb");
    assertThat(uris.resolve(upper, A)).hasToString("http://127.0.0.2:9001/a%2Fb");
    assertThat(uris.resolve(lower, A)).hasToString("http://127.0.0.2:9001/a%2fb");
  }

  @Test
  void concurrentResolves_ofMoreUrisThanSlots_eachGetTheirOwnUri() throws Exception {
    int threads = 8;
    int perThread = 20_000;
    int distinct = BackendUris.SIZE * 4; // slots are shared and overwritten all the time
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> wrong = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        wrong.add(pool.submit(() -> {
          start.await();
          int mismatches = 0;
          for (int i = 0; i < perThread; i++) {
            int k = (i * 31 + seed * 7) % distinct;
            String origin = k % 2 == 0 ? A : B;
            String pathAndQuery = "/p" + k + (k % 3 == 0 ? "?q=" + k : "");
            URI resolved = uris.resolve(URI.create("http://web" + pathAndQuery), origin);
            if (!resolved.toString().equals(origin + pathAndQuery)) {
              mismatches++;
            }
          }
          return mismatches;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : wrong) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
