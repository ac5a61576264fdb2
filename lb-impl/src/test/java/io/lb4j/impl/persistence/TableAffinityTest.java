package io.lb4j.impl.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.persistence.SessionPersistence.Mode;
import io.lb4j.impl.testing.MutableClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Source-IP and server-cookie persistence: the two modes that keep a table. */
class TableAffinityTest {

  private final Backend a = Backend.of("a", "127.0.0.1", 8081);
  private final Backend b = Backend.of("b", "127.0.0.1", 8082);
  private final MutableClock clock = new MutableClock();

  private SessionAffinity sourceIp(Duration timeout, int maxEntries) {
    return SessionAffinity.builder(SessionPersistence.builder(Mode.SOURCE_IP).timeout(timeout).maxEntries(maxEntries).build())
        .nanoTime(clock::nanoTime).build();
  }

  private static RequestContext client(int i) {
    try {
      return RequestContext.ofClient(InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i}));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void sourceIp_keepsAClientOnItsBackendUntilTheTimeout() {
    SessionAffinity s = sourceIp(Duration.ofSeconds(60), 100);
    assertThat(s.find(client(1))).isNull();
    assertThat(s.bind(client(1), a)).isNull();
    assertThat(s.find(client(1)).backendId()).isEqualTo("a");
    assertThat(s.find(client(2))).isNull();
    clock.advance(Duration.ofSeconds(59));
    assertThat(s.find(client(1)).backendId()).isEqualTo("a");
    clock.advance(Duration.ofSeconds(61));
    assertThat(s.find(client(1))).isNull();
  }

  @Test
  void sourceIp_timeoutCountsFromTheLastRelease() {
    SessionAffinity s = sourceIp(Duration.ofSeconds(60), 100);
    s.bind(client(1), a);
    clock.advance(Duration.ofSeconds(50));
    s.release(client(1));
    clock.advance(Duration.ofSeconds(50));
    assertThat(s.find(client(1)).backendId()).isEqualTo("a");
  }

  @Test
  void sourceIp_withoutClientAddressBindsNothing() {
    SessionAffinity s = sourceIp(Duration.ofSeconds(60), 100);
    s.bind(RequestContext.EMPTY, a);
    assertThat(s.find(RequestContext.EMPTY)).isNull();
    s.release(RequestContext.EMPTY);
    s.cleanUp();
    assertThat(s.tableSize()).isZero();
  }

  @Test
  void sourceIp_timeoutZeroLastsExactlyWhileConnectionsAreOpen() {
    SessionAffinity s = sourceIp(Duration.ZERO, 100);
    s.bind(client(1), a);                       // connection 1
    Binding hit = s.find(client(1));
    s.onHit(client(1), hit);                     // connection 2
    clock.advance(Duration.ofHours(10));
    s.release(client(1));
    assertThat(s.find(client(1)).backendId()).isEqualTo("a");
    s.release(client(1));
    assertThat(s.find(client(1))).isNull();
    s.release(client(1));                        // an extra release is harmless
    assertThat(s.find(client(1))).isNull();
  }

  @Test
  void sourceIp_timeoutZero_hitWhoseEntryEndedMeanwhileIsCountedAgain() {
    SessionAffinity s = sourceIp(Duration.ZERO, 100);
    s.bind(client(1), a);
    Binding found = s.find(client(1));
    s.release(client(1));                        // the last connection ends between find and onHit
    assertThat(s.find(client(1))).isNull();
    s.onHit(client(1), found);                   // the new connection still counts, on the same backend
    assertThat(s.find(client(1)).backendId()).isEqualTo("a");
    s.release(client(1));
    assertThat(s.find(client(1))).isNull();
  }

  @Test
  void sourceIp_tableStaysBoundedUnderAFloodOfAddresses() {
    SessionAffinity s = sourceIp(Duration.ofSeconds(3600), 1_000);
    for (int i = 0; i < 100_000; i++) {
      RequestContext c = client(i);
      if (s.find(c) == null) {
        s.bind(c, (i & 1) == 0 ? a : b);
      }
    }
    s.cleanUp();
    assertThat(s.tableSize()).isBetween(1L, 1_000L);
  }

  @Test
  void sourceIp_concurrentConnectionsAreCountedExactly() throws Exception {
    SessionAffinity s = sourceIp(Duration.ZERO, 10_000);
    int threads = 4;
    int clients = 64;
    int rounds = 2_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          for (int r = 0; r < rounds; r++) {
            RequestContext c = client(r % clients);
            Binding found = s.find(c);
            if (found == null) {
              s.bind(c, a);
            } else {
              s.onHit(c, found);
            }
            s.release(c);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    s.cleanUp();
    // Every connection was released, so no binding may outlive its connections.
    assertThat(s.tableSize()).isZero();
  }

  private SessionAffinity serverCookie() {
    return SessionAffinity.builder(SessionPersistence.builder(Mode.SERVER_COOKIE).cookieName("JSESSIONID")
        .timeout(Duration.ofSeconds(600)).maxEntries(1_000).build()).nanoTime(clock::nanoTime).build();
  }

  private static RequestContext cookie(String header) {
    return RequestContext.builder().cookieHeader(header).build();
  }

  @Test
  void serverCookie_learnsFromSetCookieAndFollowsIt() {
    SessionAffinity s = serverCookie();
    s.observeSetCookie(b, "JSESSIONID=s1; Path=/; HttpOnly");
    s.observeSetCookie(a, "OTHER=s1; Path=/");
    assertThat(s.find(cookie("JSESSIONID=s1")).backendId()).isEqualTo("b");
    assertThat(s.find(cookie("theme=x"))).isNull();
    assertThat(s.find(RequestContext.EMPTY)).isNull();
  }

  @Test
  void serverCookie_unknownValueIsInvalidAndIsReboundAfterThePick() {
    SessionAffinity s = serverCookie();
    assertThat(s.find(cookie("JSESSIONID=never-seen"))).isSameAs(Binding.INVALID);
    s.bind(cookie("JSESSIONID=never-seen"), a);
    assertThat(s.find(cookie("JSESSIONID=never-seen")).backendId()).isEqualTo("a");
  }

  @Test
  void serverCookie_deletionAndExpiryForgetTheValue() {
    SessionAffinity s = serverCookie();
    s.observeSetCookie(a, "JSESSIONID=s1");
    s.observeSetCookie(a, "JSESSIONID=s2");
    s.observeSetCookie(a, "JSESSIONID=s1; Max-Age=0");
    assertThat(s.find(cookie("JSESSIONID=s1"))).isSameAs(Binding.INVALID);
    clock.advance(Duration.ofSeconds(601));
    assertThat(s.find(cookie("JSESSIONID=s2"))).isSameAs(Binding.INVALID);
  }

  @Test
  void defect7_serverCookieDeletion_withAnEmptyValueOrAPastExpires_forgetsTheSessionTheRequestCarried() {
    SessionAffinity s = serverCookie();
    s.observeSetCookie(a, "JSESSIONID=s1");
    s.observeSetCookie(a, "JSESSIONID=s2");
    s.observeSetCookie(a, "JSESSIONID=s3");
    s.observeSetCookie(a, cookie("JSESSIONID=s1"), "JSESSIONID=; Max-Age=0; Path=/");
    s.observeSetCookie(a, cookie("theme=x; JSESSIONID=s2"), "JSESSIONID=; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    assertThat(s.find(cookie("JSESSIONID=s1"))).isSameAs(Binding.INVALID);
    assertThat(s.find(cookie("JSESSIONID=s2"))).isSameAs(Binding.INVALID);
    assertThat(s.find(cookie("JSESSIONID=s3")).backendId()).isEqualTo("a");
    s.observeSetCookie(a, cookie("JSESSIONID=s3"), "OTHER=; Max-Age=0"); // another cookie's deletion
    assertThat(s.find(cookie("JSESSIONID=s3")).backendId()).isEqualTo("a");
  }

  @Test
  void serverCookie_tableStaysBounded() {
    SessionAffinity s = serverCookie();
    for (int i = 0; i < 20_000; i++) {
      s.observeSetCookie(a, "JSESSIONID=v" + i);
    }
    s.cleanUp();
    assertThat(s.tableSize()).isBetween(1L, 1_000L);
  }

  @Test
  void none_bindsNothing() {
    SessionAffinity s = SessionAffinity.builder(SessionPersistence.none()).build();
    assertThat(s.bind(client(1), a)).isNull();
    assertThat(s.find(client(1))).isNull();
    assertThat(s.tableSize()).isZero();
  }
}
