package io.lb4j.impl.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InsertCookieAffinityTest {

  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY2 = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY3 = "another-key-of-32-bytes-length!!".getBytes(StandardCharsets.US_ASCII);

  private final Backend a = Backend.of("a", "10.0.0.1", 8080);
  private final Backend b = Backend.of("b", "10.0.0.2", 8080);
  private final MutableClock clock = new MutableClock();
  private KeyRing keys;
  private SessionAffinity affinity;

  @BeforeEach
  void setUp() {
    keys = KeyRing.of(KEY);
    affinity = newAffinity(keys, false);
  }

  private SessionAffinity newAffinity(KeyRing ring, boolean secure) {
    SessionAffinity s = SessionAffinity.builder(SessionPersistence.insertCookie(Duration.ofSeconds(600)))
        .keys(ring).clock(clock).secure(secure).build();
    s.memberAdded("a");
    s.memberAdded("b");
    return s;
  }

  private static String cookieValue(String setCookie) {
    return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
  }

  private static RequestContext withCookie(String value) {
    return RequestContext.builder().cookieHeader("theme=dark; LB4J_SESSION=" + value + "; x=y").build();
  }

  @Test
  void defect6_cachedCookieOfAnUnregisteredBackend_isInvalid() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    assertThat(affinity.find(withCookie(value)).backendId()).isEqualTo("a"); // verified, now cached
    assertThat(affinity.find(withCookie(value)).backendId()).isEqualTo("a"); // a cache hit
    affinity.memberRemoved("a");
    assertThat(affinity.find(withCookie(value))).isSameAs(Binding.INVALID);
    affinity.memberAdded("a");
    assertThat(affinity.find(withCookie(value)).backendId()).isEqualTo("a");
  }

  @Test
  void bind_setsACookieWithTheDocumentedAttributes() {
    String setCookie = affinity.bind(RequestContext.EMPTY, a);
    assertThat(setCookie).startsWith("LB4J_SESSION=")
        .endsWith("; Max-Age=600; Path=/; HttpOnly; SameSite=Lax")
        .doesNotContain("Secure");
    assertThat(newAffinity(keys, true).bind(RequestContext.EMPTY, a)).endsWith("; SameSite=Lax; Secure");
  }

  @Test
  void cookie_revealsNeitherTheBackendAddressNorItsId() {
    Backend named = Backend.of("db-10-0-0-1", "10.0.0.1", 8080);
    affinity.memberAdded(named.id());
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, named));
    assertThat(value).doesNotContain("10.0.0.1").doesNotContain("8080").doesNotContain("db-10");
  }

  @Test
  void find_followsAValidCookieToItsBackend() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, b));
    Binding found = affinity.find(withCookie(value));
    assertThat(found.isInvalid()).isFalse();
    assertThat(found.backendId()).isEqualTo("b");
    // A second lookup of the same value takes the cached path and agrees.
    assertThat(affinity.find(withCookie(value)).backendId()).isEqualTo("b");
  }

  @Test
  void find_returnsNullWithoutACookie() {
    assertThat(affinity.find(RequestContext.EMPTY)).isNull();
    assertThat(affinity.find(RequestContext.builder().cookieHeader("other=1").build())).isNull();
  }

  @Test
  void find_rejectsEveryTamperedCharacter() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      char replacement = c == 'A' ? 'B' : 'A';
      if (c == '.') {
        continue;
      }
      String tampered = value.substring(0, i) + replacement + value.substring(i + 1);
      assertThat(affinity.find(withCookie(tampered)))
          .as("tampered at index %d: %s", i, tampered)
          .isSameAs(Binding.INVALID);
    }
  }

  @Test
  void find_rejectsMalformedValues() {
    for (String bad : new String[] {"", "x", "......", "abcdef.", "abcdef.t.1.m", "abcdef.t.notanumber.m",
        "abcdef.t.99999999999999999999999.m"}) {
      assertThat(affinity.find(withCookie(bad))).as(bad).isSameAs(Binding.INVALID);
    }
  }

  @Test
  void find_rejectsACookieThatPointsElsewhereByForgery() {
    // A client swapping the backend token of its own cookie for another backend's must not get there.
    String va = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    String vb = cookieValue(affinity.bind(RequestContext.EMPTY, b));
    String[] pa = va.split("\\.");
    String[] pb = vb.split("\\.");
    String forged = pa[0] + "." + pb[1] + "." + pa[2] + "." + pa[3];
    assertThat(affinity.find(withCookie(forged))).isSameAs(Binding.INVALID);
  }

  @Test
  void find_rejectsCookiesSignedWithAnotherKey() {
    SessionAffinity other = newAffinity(KeyRing.of(KEY2), false);
    String value = cookieValue(other.bind(RequestContext.EMPTY, a));
    assertThat(affinity.find(withCookie(value))).isSameAs(Binding.INVALID);
  }

  @Test
  void find_rejectsAnExpiredCookie_evenWhenCached() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    assertThat(affinity.find(withCookie(value)).backendId()).isEqualTo("a");
    clock.advance(Duration.ofSeconds(601));
    assertThat(affinity.find(withCookie(value))).isSameAs(Binding.INVALID);
  }

  @Test
  void anotherBalancerWithTheSameKeyHonoursTheCookie() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, b));
    SessionAffinity peer = newAffinity(KeyRing.of(KEY), false);
    assertThat(peer.find(withCookie(value)).backendId()).isEqualTo("b");
  }

  @Test
  void rotation_keepsOldCookiesValidForOneRotationOnly() {
    String old = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    keys.rotate(KEY2);
    assertThat(affinity.find(withCookie(old)).backendId()).isEqualTo("a");
    String fresh = cookieValue(affinity.bind(RequestContext.EMPTY, b));
    assertThat(affinity.find(withCookie(fresh)).backendId()).isEqualTo("b");
    keys.rotate(KEY3);
    assertThat(affinity.find(withCookie(old))).isSameAs(Binding.INVALID);
    assertThat(affinity.find(withCookie(fresh)).backendId()).isEqualTo("b");
  }

  @Test
  void removedMember_makesItsCookiesInvalid() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    SessionAffinity peer = newAffinity(KeyRing.of(KEY), false);
    peer.memberRemoved("a");
    assertThat(peer.find(withCookie(value))).isSameAs(Binding.INVALID);
  }

  @Test
  void onHit_refreshesTheCookieOnlyAfterHalfItsLifetime() {
    String value = cookieValue(affinity.bind(RequestContext.EMPTY, a));
    Binding found = affinity.find(withCookie(value));
    assertThat(affinity.onHit(RequestContext.EMPTY, found)).isNull();
    clock.advance(Duration.ofSeconds(301));
    Binding later = affinity.find(withCookie(value));
    String refreshed = affinity.onHit(RequestContext.EMPTY, later);
    assertThat(refreshed).startsWith("LB4J_SESSION=").endsWith("; Max-Age=600; Path=/; HttpOnly; SameSite=Lax");
    assertThat(affinity.find(withCookie(cookieValue(refreshed))).backendId()).isEqualTo("a");
  }

  @Test
  void keyRing_rejectsShortKeys() {
    assertThatThrownBy(() -> KeyRing.of(new byte[8]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cookieKey must be at least 16 bytes, was 8 bytes");
    assertThatThrownBy(() -> keys.rotate(new byte[15]))
        .hasMessage("cookieKey must be at least 16 bytes, was 15 bytes");
  }
}
