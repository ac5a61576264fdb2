package io.lb4j.impl.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CookieHeadersTest {

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
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=0; Path=/")).isTrue();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; max-age=-1")).isTrue();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=60")).isFalse();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz; Max-Age=soon")).isFalse();
    assertThat(CookieHeaders.deletes("JSESSIONID=xyz")).isFalse();
  }
}
