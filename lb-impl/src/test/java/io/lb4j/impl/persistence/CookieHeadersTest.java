package io.lb4j.impl.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CookieHeadersTest {

  private static final long NOW = 1_700_000_000_000L; // 2023-11-14T22:13:20Z


  @Test
  void value_findsTheNamedCookieAmongOthers() {
    String header = "theme=dark; LB4J_SESSION=abc.def; lang=en";
    assertThat(CookieHeaders.value(header, "LB4J_SESSION")).isEqualTo("abc.def");
    assertThat(CookieHeaders.value(header, "theme")).isEqualTo("dark");
    assertThat(CookieHeaders.value(header, "lang")).isEqualTo("en");
  }

  @Test
  void value_doesNotMatchNamesThatOnlyShareASuffixOrPrefix() {
    assertThat(CookieHeaders.value("XLB4J_SESSION=1; LB4J_SESSIONX=2", "LB4J_SESSION")).isNull();
    assertThat(CookieHeaders.value("a=1", "LB4J_SESSION")).isNull();
    assertThat(CookieHeaders.value(null, "LB4J_SESSION")).isNull();
    assertThat(CookieHeaders.value("", "LB4J_SESSION")).isNull();
  }

  @Test
  void value_toleratesSpacesQuotesAndEmptyValues() {
    assertThat(CookieHeaders.value("  a=1 ;   b = 2; c=\"q\"", "c")).isEqualTo("q");
    assertThat(CookieHeaders.value("a=;b=2", "a")).isEmpty();
    assertThat(CookieHeaders.value("a=1;b=2", "b")).isEqualTo("2");
  }

  @Test
  void setCookieValue_readsValueAndDeletion() {
    assertThat(CookieHeaders.setCookieValue("JSESSIONID=xyz; Path=/; HttpOnly", "JSESSIONID")).isEqualTo("xyz");
    assertThat(CookieHeaders.setCookieValue("JSESSIONID=xyz", "JSESSIONID")).isEqualTo("xyz");
    assertThat(CookieHeaders.setCookieValue("OTHER=xyz; Path=/", "JSESSIONID")).isNull();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=0; Path=/", NOW)).isTrue();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; max-age=-1", NOW)).isTrue();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=60", NOW)).isFalse();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=soon", NOW)).isFalse();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz", NOW)).isFalse();
  }

  @Test
  void deletes_recognisesAnExpiresInThePastUnlessMaxAgeSaysOtherwise() {
    assertThat(CookieHeaders.deletes("sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", NOW)).isTrue();
    assertThat(CookieHeaders.deletes("sid=; expires=Thu, 01-Jan-1970 00:00:00 GMT; Path=/", NOW)).isTrue();
    assertThat(CookieHeaders.deletes("sid=x; Expires=Tue, 14 Nov 2023 22:13:20 GMT", NOW)).isTrue(); // exactly now
    assertThat(CookieHeaders.deletes("sid=x; Expires=Tue, 14 Nov 2023 22:13:21 GMT", NOW)).isFalse();
    assertThat(CookieHeaders.deletes("sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", NOW)).isFalse();
    assertThat(CookieHeaders.deletes("sid=x; Expires=yesterday", NOW)).isFalse();
  }
}
