package io.lb4j.impl.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.routing.ForwardingRules;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which group a request goes to, in the documented order, and what is refused. */
class RouteTableTest {

  private static final RouteTable TABLE = RouteTable.of(ForwardingRules.builder()
      .rule("www.example.com", "/", "www")
      .rule("www.example.com", "/api", "www-api")
      .rule("*.example.com", "/", "wild")
      .rule("*.example.com", "/static", "wild-static")
      .rule("*.eu.example.com", "/", "eu")
      .rule(null, "/admin", "admin")
      .rule(null, "/api/v2", "api-v2")
      .rule(null, "/api", "api")
      .rule("[::1]", "/", "v6")
      .defaultGroup("web")
      .build());

  private static String route(String host, String rawPath) {
    return describe(TABLE.route(host, rawPath, PathNormalizer.strict(), new StringBuilder()));
  }

  private static String describe(Route r) {
    return r.matched() ? r.group() : String.valueOf(r.status());
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      // exact host: longest prefix within it
      "www.example.com|/|www",
      "www.example.com|/index.html|www",
      "www.example.com|/api|www-api",
      "www.example.com|/api/users|www-api",
      "www.example.com|/apis|www",
      "WWW.Example.COM:8080|/api|www-api",
      "www.example.com.|/api|www-api",
      // wildcard: any depth, longest suffix first; never the bare domain
      "a.example.com|/x|wild",
      "a.b.example.com|/static/app.js|wild-static",
      "x.eu.example.com|/static/app.js|eu",
      "example.com|/x|web",
      // any host, longest prefix, whole segments (';' ends a segment too)
      "other.test|/api/v2/x|api-v2",
      "other.test|/api/v20|api",
      "other.test|/api;jsessionid=1|api",
      "other.test|/admin;x/y|admin",
      "other.test|/administrator|web",
      // a host with no matching prefix gives way to less specific hosts, then the default
      "www.example.com|/admin|www",
      "a.example.com|/admin|wild",
      "[::1]:8443|/admin|v6",
      "10.0.0.1|/admin|admin",
      "10.0.0.1|/nothing|web",
  })
  void matchesInTheDocumentedOrder(String host, String path, String group) {
    assertThat(route(host, path)).isEqualTo(group);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/static/../admin", "/%61dmin", "//admin", "/./admin", "/x/%2e%2e/admin", "/admin/",
      "/admin;a=b", "/ADMIN/../admin"})
  void bypassAttempts_allReachTheAdminRule(String raw) {
    // HAProxy routes "/static/../admin" by its raw prefix, "/static"; here it is /admin.
    assertThat(route("other.test", raw)).isEqualTo("admin");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/..;/admin", "/static/..;/admin", "/a%2Fadmin", "/../admin", "/%2e%2e/admin", "/a\\admin"})
  void ambiguousPaths_areRefusedWith400NotRouted(String raw) {
    Route r = TABLE.route("other.test", raw, PathNormalizer.strict(), new StringBuilder());
    assertThat(r.matched()).isFalse();
    assertThat(r.status()).isEqualTo(400);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"", "a/b", "a b", "a..b", ".a", "host:abc", "host:123456", "host:70000", "[::1", "[::1]x",
      "[zz]", "a\u00e9"})
  void unusableHost_is400NeverTheDefault(String host) {
    Route r = TABLE.match(host, "/");
    assertThat(r).isSameAs(Route.BAD_HOST);
    assertThat(r.status()).isEqualTo(400);
    assertThat(TABLE.match(null, "/")).as("HTTP/1.1 without Host").isSameAs(Route.BAD_HOST);
  }

  @Test
  void http10WithoutHost_usesOnlyRulesForAnyHostAndTheDefault() {
    assertThat(describe(TABLE.matchWithoutHost("/api/v2"))).isEqualTo("api-v2");
    assertThat(describe(TABLE.matchWithoutHost("/index.html"))).isEqualTo("web");
  }

  @Test
  void noMatchAndNoDefault_is404() {
    RouteTable t = RouteTable.of(ForwardingRules.builder().rule("a.test", "/x", "x").build());
    assertThat(t.match("a.test", "/x/1")).extracting(Route::group).isEqualTo("x");
    Route none = t.match("a.test", "/y");
    assertThat(none).isSameAs(Route.NOT_FOUND);
    assertThat(none.status()).isEqualTo(404);
    assertThat(t.match("b.test", "/x")).isSameAs(Route.NOT_FOUND);
  }

  @Test
  void paths_areCaseSensitive_hostsAreNot() {
    RouteTable t = RouteTable.of(ForwardingRules.builder().rule("A.test", "/Docs", "docs").defaultGroup("d").build());
    assertThat(describe(t.match("a.TEST", "/Docs/x"))).isEqualTo("docs");
    assertThat(describe(t.match("a.test", "/docs/x"))).isEqualTo("d");
  }

  @Test
  void match_allocatesNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    String[] hosts = {"www.example.com", "a.b.example.com:443", "other.test", "x.eu.example.com"};
    String[] paths = {"/api/users/17", "/static/app.js", "/admin;x", "/nothing/here/at/all"};
    StringBuilder scratch = new StringBuilder(64);
    int sink = 0;
    for (int i = 0; i < 20_000; i++) { // warm up: the builder grows once, the JIT compiles
      sink += TABLE.route(hosts[i & 3], paths[(i >> 2) & 3], PathNormalizer.strict(), scratch).status();
    }
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 100_000; i++) {
      sink += TABLE.route(hosts[i & 3], paths[(i >> 2) & 3], PathNormalizer.strict(), scratch).status();
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    // 100,000 matches: one allocated object per match would be 1.6 MB at least.
    assertThat(allocated).as("bytes allocated by 100,000 matches").isLessThan(10_000);
    assertThat(sink).isZero();
  }
}
