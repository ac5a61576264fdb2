package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.groups.Standby;
import io.lb4j.impl.listener.RawHttpClient.Response;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A standby group on loopback with traffic flowing (issue 24): it takes the group's requests only once the
 * group's own backends are all down, and gives them back when one recovers; each switch is a
 * {@code PriorityChanged} event of the group's pool; every request gets exactly one answer, and none that
 * starts after a switch is announced goes to the tier that lost the traffic; a sticky client moves with a new
 * cookie each way.
 */
class StandbyGroupTest {

  private static final int CLIENTS = 3;
  private static final int AFTER_EACH_SWITCH = 60;
  private static final HealthCheckPolicy FAST = HealthCheckPolicy.http().toBuilder().path("/health")
      .interval(Duration.ofMillis(30)).responseTimeout(Duration.ofSeconds(2)).healthyThreshold(1)
      .unhealthyThreshold(1).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

  @AfterEach
  void closeAll() throws Exception {
    clients.shutdownNow();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private HttpTestBackend backend(String name, String host) {
    HttpTestBackend b = HttpTestBackend.builder(name).host(host).build().start();
    b.set(Behavior.builder().body(name).build());
    closeables.add(b);
    return b;
  }

  private static io.lb4j.api.Backend of(HttpTestBackend b) {
    return io.lb4j.api.Backend.of(b.name(), b.host(), b.port());
  }

  @Test
  void standbyTakesOverWhileThePrimaryIsDown_andGivesBack_withTrafficFlowing() throws Exception {
    HttpTestBackend p1 = backend("p1", "127.0.0.1");
    HttpTestBackend p2 = backend("p2", "127.0.0.2");
    HttpTestBackend s1 = backend("s1", "127.0.0.3");
    Listener listener = Listener.builder("standby", Protocol.HTTP, 0).healthCheck(FAST)
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10))).build();
    ListenerServer server = ListenerServer.builder(listener)
        .routing(Routing.builder()
            .group(ServerGroup.builder("web").backend(of(p1)).backend(of(p2)).standby("dr").build())
            .group(ServerGroup.builder("dr").backend(of(s1)).build()).build())
        .bindAddress(Fixtures.LOOPBACK).eventLoops(2).build().start();
    closeables.add(server);
    LoadBalancer web = server.group("web");
    assertThat(web.awaitHealthy(3, Await.DEADLINE)).isTrue();
    assertThat(web.view()).filteredOn(v -> Standby.isStandby(v.backend()))
        .extracting(v -> v.backend().id() + " p" + v.backend().priority()).containsExactly("s1 p1");
    List<LoadBalancerEvent.PriorityChanged> switches = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger phase = new AtomicInteger(); // 1 once the takeover is announced, 2 once the return is
    web.onPriorityChanged(e -> {
      switches.add(e);
      phase.set(e.to() == 1 ? 1 : 2);
    });

    // A sticky browser: bound to a primary first.
    Sticky browser = new Sticky(server);
    String first = browser.get();
    assertThat(first).isIn("p1", "p2");
    assertThat(browser.get()).isEqualTo(first);

    AtomicBoolean restarted = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    Map<String, AtomicLong> byPhaseAndBackend = new ConcurrentHashMap<>();
    AtomicLong violations = new AtomicLong();
    AtomicLong[] afterSwitch = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      running.add(clients.submit(() -> {
        while (afterSwitch[2].get() < AFTER_EACH_SWITCH && System.nanoTime() - deadline < 0) {
          int p = phase.get();
          boolean mayReturn = restarted.get();
          sent.incrementAndGet();
          Response r = get(server);
          answered.incrementAndGet();
          String who = r.status() == 200 ? r.bodyText() : String.valueOf(r.status());
          byPhaseAndBackend.computeIfAbsent(p + ":" + who, k -> new AtomicLong()).incrementAndGet();
          afterSwitch[p].incrementAndGet();
          boolean primary = who.equals("p1") || who.equals("p2");
          // Before the takeover is announced anything goes (a request in flight when the primaries stop gets 502).
          if ((p == 1 && !who.equals("s1") && !(mayReturn && primary))
              || (p == 2 && !who.equals("p1"))) {
            violations.incrementAndGet();
          }
        }
        return null;
      }));
    }
    Await.until("traffic on the primaries", () -> afterSwitch[0].get() >= AFTER_EACH_SWITCH);
    p1.stop();
    p2.stop();
    Await.until("the standby took over", () -> phase.get() == 1);
    long takenOver = afterSwitch[1].get();
    Await.until("traffic on the standby", () -> afterSwitch[1].get() >= takenOver + AFTER_EACH_SWITCH);
    assertThat(browser.get()).as("the sticky client follows the takeover").isEqualTo("s1");
    assertThat(browser.moves).isEqualTo(1);
    assertThat(server.routingMetrics().groups().get(0).standbyActive()).isTrue();

    restarted.set(true);
    p1.start();
    for (Future<?> f : running) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(browser.get()).as("and moves back once the primary can serve").isEqualTo("p1");
    assertThat(browser.moves).isEqualTo(2);
    assertThat(browser.get()).isEqualTo("p1");
    assertThat(browser.moves).as("then stays").isEqualTo(2);

    assertThat(answered.get()).as("every request got one answer").isEqualTo(sent.get());
    assertThat(afterSwitch[2].get()).isGreaterThanOrEqualTo(AFTER_EACH_SWITCH);
    assertThat(violations.get()).as("requests after a switch that went elsewhere: " + byPhaseAndBackend).isZero();
    assertThat(switches).extracting(e -> e.from() + "->" + e.to()).containsExactly("0->1", "1->0");
    assertThat(server.routingMetrics().groups().get(0).standbyActive()).isFalse();
  }

  private static Response get(ListenerServer server) {
    try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      return c.send("GET /app HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n").read();
    }
  }

  /** A client that keeps the session cookie it is given and counts how often it gets a new one after the first. */
  private static final class Sticky {
    private final ListenerServer server;
    private String cookie;
    int moves;

    Sticky(ListenerServer server) {
      this.server = server;
    }

    String get() {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /app HTTP/1.1\r\nHost: www.test\r\n" + (cookie == null ? "" : "Cookie: " + cookie
            + "\r\n") + "Connection: close\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        String set = r.header("Set-Cookie");
        if (set != null) {
          if (cookie != null) {
            moves++;
          }
          cookie = set.substring(0, set.indexOf(';'));
        }
        return r.bodyText();
      }
    }
  }
}
