package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.get;
import static io.lb4j.impl.client.Pools.listener;
import static io.lb4j.impl.client.Pools.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where requests go and what they carry: pool URIs, no eligible backend, Host, session cookies and hash keys. */
class RoutingTest {

  @Test
  void noEligibleBackend_failsAtOnceWithTheReason_withoutANetworkCall() throws Exception {
    try (HttpTestBackend drained = new HttpTestBackend("drained", "127.0.0.2");
        CountingLoadBalancer lb = pool(listener().build(), Backend.of("drained", "127.0.0.2",
            drained.backend().port(), 0))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      assertThatThrownBy(() -> client.send(get(client, "/"), BodyHandlers.ofString()))
          .isInstanceOfSatisfying(NoBackendException.class,
              e -> assertThat(e.reason()).isEqualTo(NoBackendReason.ALL_DRAINED))
          .hasMessage("no backend in pool 'web': all healthy backends are drained (weight 0) or disabled");
      CompletableFuture<HttpResponse<String>> async = client.sendAsync(get(client, "/"), BodyHandlers.ofString());

      assertThat(async).isCompletedExceptionally();
      assertThat(drained.accepted()).isZero();
      assertThat(lb.acquired.get()).isZero();
    }
  }

  @Test
  void emptyPool_failsWithNoBackends() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      assertThatThrownBy(() -> client.send(get(client, "/"), BodyHandlers.ofString()))
          .isInstanceOfSatisfying(NoBackendException.class,
              e -> assertThat(e.reason()).isEqualTo(NoBackendReason.NO_BACKENDS));
    }
  }

  @Test
  void requestsOutsideThePool_areRefused() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      assertThat(client.uri("/orders?id=4%202")).isEqualTo(URI.create("http://web/orders?id=4%202"));
      assertThatThrownBy(() -> client.uri("orders")).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("pathAndQuery must be an absolute path starting with '/', was 'orders'");
      for (String outside : List.of("http://other/x", "http://web:8080/x", "https://web/x", "http://u@web/x",
          "http://web/x#top")) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(outside)).build();
        assertThatThrownBy(() -> client.sendAsync(request, BodyHandlers.ofString()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("request.uri must be in pool http://web/ (no port, user or fragment), was " + outside);
      }
      assertThat(lb.acquired.get()).isZero();
    }
  }

  @Test
  void pathAndQuery_reachTheBackend_andHostIsTheBackendsAddressByDefault() throws Exception {
    try (HttpTestBackend backend = new HttpTestBackend("a", "127.0.0.2");
        CountingLoadBalancer lb = pool(listener().build(), backend.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      HttpResponse<String> response = client.send(get(client, "/x/y?q=1"), BodyHandlers.ofString());

      assertThat(response.uri()).isEqualTo(URI.create("http://127.0.0.2:" + backend.backend().port() + "/x/y?q=1"));
      assertThat(backend.hostHeaders).containsExactly("127.0.0.2:" + backend.backend().port());
    }
  }

  @Test
  void clientSidePool_isAddressedByItsName() throws Exception {
    try (HttpTestBackend backend = new HttpTestBackend("a", "127.0.0.2");
        CountingLoadBalancer lb = new CountingLoadBalancer(LoadBalancers.builder().name("orders")
            .healthCheck(HealthCheckPolicy.disabled()).backend(backend.backend()).build())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      HttpResponse<String> response = client.send(HttpRequest.newBuilder(client.uri("/42")).build(),
          BodyHandlers.ofString());

      assertThat(client.uri("/42")).isEqualTo(URI.create("http://orders/42"));
      assertThat(response.body()).isEqualTo("a");
      assertThat(client.deadline).isEqualTo(Listener.DEFAULT_REQUEST_TIMEOUT);
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void hostHeader_isSentToEveryBackend_whenTheJdkAllowsIt() throws Exception {
    // lb-impl's tests run with -Djdk.httpclient.allowRestrictedHeaders=host (see its pom).
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2");
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3");
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).hostHeader("api.example.com").build();

      for (int i = 0; i < 4; i++) {
        client.send(get(client, "/"), BodyHandlers.discarding());
      }

      assertThat(a.hostHeaders).isNotEmpty().containsOnly("api.example.com");
      assertThat(b.hostHeaders).isNotEmpty().containsOnly("api.example.com");
    }
  }

  @Test
  void hostHeader_isRefusedAtBuild_whenTheJdkWouldRefuseIt() {
    String saved = System.getProperty(BalancedHttpClient.ALLOW_RESTRICTED_HEADERS);
    try (CountingLoadBalancer lb = pool(listener().build())) {
      System.setProperty(BalancedHttpClient.ALLOW_RESTRICTED_HEADERS, "connection");
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).hostHeader("api.example.com").build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client.hostHeader needs the system property jdk.httpclient.allowRestrictedHeaders to include "
              + "'host' (the JDK refuses to send Host otherwise), was connection");
    } finally {
      System.setProperty(BalancedHttpClient.ALLOW_RESTRICTED_HEADERS, saved);
    }
    assertThat(PoolRequests.allowsHostHeader("host")).isTrue();
    assertThat(PoolRequests.allowsHostHeader("connection, Host ")).isTrue();
    assertThat(PoolRequests.allowsHostHeader("hostname")).isFalse();
    assertThat(PoolRequests.allowsHostHeader(null)).isFalse();
  }

  @Test
  void session_staysOnItsBackend_andMovesWithItsCookieWhenTheBackendGoesAway() throws Exception {
    List<HttpTestBackend> backends = List.of(new HttpTestBackend("a", "127.0.0.2"),
        new HttpTestBackend("b", "127.0.0.3"), new HttpTestBackend("c", "127.0.0.4"));
    try (CountingLoadBalancer lb = pool(listener().sessionPersistence(SessionPersistence.insertCookie(
        Duration.ofMinutes(10))).build(), backends.stream().map(HttpTestBackend::backend).toArray(Backend[]::new))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      ClientSession session = client.newSession();

      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        servedBy.add(session.send(get(client, "/"), BodyHandlers.ofString()).body());
      }
      assertThat(servedBy).hasSize(1);
      String home = servedBy.iterator().next();
      String cookie = session.cookie();
      assertThat(cookie).startsWith("LB4J_SESSION=");

      backends.stream().filter(b -> b.backend().id().equals(home)).findFirst().orElseThrow().close();
      List<String> after = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        after.add(session.send(get(client, "/"), BodyHandlers.ofString()).body());
      }

      assertThat(new HashSet<>(after)).hasSize(1).doesNotContain(home);
      assertThat(session.cookie()).isNotEqualTo(cookie);
      // Requests through the client itself are new clients: they spread over the backends left.
      Set<String> unsticky = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        unsticky.add(client.send(get(client, "/"), BodyHandlers.ofString()).body());
      }
      assertThat(unsticky).hasSize(2);
      assertThat(lb.outstanding()).isZero();
    } finally {
      backends.forEach(HttpTestBackend::close);
    }
  }

  @Test
  void serverCookie_learnedFromResponses_routesRequestsCarryingIt() throws Exception {
    List<HttpTestBackend> backends = List.of(new HttpTestBackend("a", "127.0.0.2").setsSessionCookie("SID"),
        new HttpTestBackend("b", "127.0.0.3").setsSessionCookie("SID"),
        new HttpTestBackend("c", "127.0.0.4").setsSessionCookie("SID"));
    try (CountingLoadBalancer lb = pool(listener().sessionPersistence(SessionPersistence.serverCookie("SID")).build(),
        backends.stream().map(HttpTestBackend::backend).toArray(Backend[]::new))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      HttpResponse<String> first = client.send(get(client, "/login"), BodyHandlers.ofString());
      String sessionCookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
      HttpRequest withCookie = HttpRequest.newBuilder(client.uri("/cart")).header("Cookie", sessionCookie).build();
      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 9; i++) {
        servedBy.add(client.send(withCookie, BodyHandlers.ofString()).body());
      }

      assertThat(sessionCookie).isEqualTo("SID=session-" + first.body());
      assertThat(servedBy).containsExactly(first.body());
    } finally {
      backends.forEach(HttpTestBackend::close);
    }
  }

  @Test
  void hashKey_fromTheRequest_sendsEachKeyToOneBackend() throws Exception {
    List<HttpTestBackend> backends = List.of(new HttpTestBackend("a", "127.0.0.2"),
        new HttpTestBackend("b", "127.0.0.3"), new HttpTestBackend("c", "127.0.0.4"));
    try (CountingLoadBalancer lb = pool(listener().scheduler(SchedulingAlgorithm.CONSISTENT_HASH).build(),
        backends.stream().map(HttpTestBackend::backend).toArray(Backend[]::new))) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb)
          .hashKey(r -> r.headers().firstValue("X-User").orElse(null)).build();

      Set<String> backendsSeen = new HashSet<>();
      for (int user = 0; user < 30; user++) {
        HttpRequest request = HttpRequest.newBuilder(client.uri("/")).header("X-User", "user-" + user).build();
        Set<String> servedBy = new HashSet<>();
        for (int i = 0; i < 3; i++) {
          servedBy.add(client.send(request, BodyHandlers.ofString()).body());
        }
        assertThat(servedBy).hasSize(1);
        backendsSeen.addAll(servedBy);
      }
      assertThat(backendsSeen).hasSize(3);
      assertThatThrownBy(() -> client.send(get(client, "/"), BodyHandlers.ofString()))
          .isInstanceOfSatisfying(NoBackendException.class,
              e -> assertThat(e.reason()).isEqualTo(NoBackendReason.NO_HASH_KEY));
    } finally {
      backends.forEach(HttpTestBackend::close);
    }
  }

  @Test
  void retriedRequest_reachesEachBackendWithTheCallersMethodTargetHeadersAndBody() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2").behave(HttpTestBackend.Behaviour.UNAVAILABLE);
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3").behave(HttpTestBackend.Behaviour.UNAVAILABLE);
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      HttpRequest request = HttpRequest.newBuilder(client.uri("/orders/7?v=2&w=%20"))
          .PUT(HttpRequest.BodyPublishers.ofString("order-7")).header("X-Trace", "t-7").build();

      HttpResponse<String> last = client.send(request, BodyHandlers.ofString());

      assertThat(last.statusCode()).isEqualTo(503); // both tried, none left: the last answer is returned
      for (HttpTestBackend backend : List.of(a, b)) {
        assertThat(backend.received).singleElement().satisfies(r -> {
          assertThat(r.method()).isEqualTo("PUT");
          assertThat(r.target()).isEqualTo("/orders/7?v=2&w=%20");
          assertThat(r.headers()).contains("x-trace: t-7", "host: " + backend.backend().host() + ":"
              + backend.backend().port());
          assertThat(r.body()).isEqualTo("order-7");
        });
      }
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void concurrentCalls_eachGetTheirOwnResponse_whetherTheirUrisRepeatOrNot() throws Exception {
    int threads = 8;
    int perThread = 100;
    try (HttpTestBackend a = new HttpTestBackend("a", "127.0.0.2").behave(HttpTestBackend.Behaviour.ECHO);
        HttpTestBackend b = new HttpTestBackend("b", "127.0.0.3").behave(HttpTestBackend.Behaviour.ECHO);
        CountingLoadBalancer lb = pool(listener().build(), a.backend(), b.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();
      Map<Integer, String> idByPort = Map.of(a.backend().port(), "a", b.backend().port(), "b");
      ExecutorService callers = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      try {
        List<Future<List<String>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          results.add(callers.submit(() -> {
            start.await();
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              // Half the URIs are shared by every thread and repeat, half are this call's own.
              String pathAndQuery = i % 2 == 0 ? "/shared?k=" + (i % 6) : "/t" + thread + "/" + i + "?q=" + i;
              HttpRequest request = get(client, pathAndQuery);
              HttpResponse<String> response = i % 3 == 0
                  ? client.sendAsync(request, BodyHandlers.ofString()).get(30, TimeUnit.SECONDS)
                  : client.send(request, BodyHandlers.ofString());
              String servedBy = idByPort.get(response.uri().getPort());
              if (!response.body().equals(servedBy + " " + pathAndQuery)
                  || !response.uri().getRawPath().concat("?" + response.uri().getRawQuery()).equals(pathAndQuery)) {
                wrong.add(pathAndQuery + " got " + response.body() + " from " + response.uri());
              }
            }
            return wrong;
          }));
        }
        start.countDown();
        List<String> wrong = new ArrayList<>();
        for (Future<List<String>> f : results) {
          wrong.addAll(f.get(120, TimeUnit.SECONDS));
        }

        assertThat(wrong).isEmpty();
        assertThat(a.requests() + b.requests()).isEqualTo(threads * perThread);
        assertThat(a.requests()).isPositive();
        assertThat(b.requests()).isPositive();
        assertThat(lb.outstanding()).isZero();
        assertThat(lb.releasedTwice.get()).isZero();
      } finally {
        callers.shutdownNow();
      }
    }
  }
}
