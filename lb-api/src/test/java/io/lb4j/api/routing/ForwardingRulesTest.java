package io.lb4j.api.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardingRulesTest {

  private static final String HOST_FORM = "forwardingRule.host must be a host name (a-z 0-9 '-' '_' '.'), '*.' and a"
      + " host name, or an IPv6 literal in brackets, without a port, was '";
  private static final String PATH_FORM = "forwardingRule.pathPrefix must be a normalized absolute path ('/' then"
      + " segments of letters, digits, - . _ ~ ! $ & ' ( ) * + , = : @ and %HH escapes of other bytes; no '.' or '..'"
      + " or empty segment, no '/' at the end, no ';'), was '";

  @Test
  void rule_lowerCasesItsHostAndKeepsItsPath() {
    ForwardingRule r = ForwardingRule.of("WWW.Example.COM", "/Static", "assets");
    assertThat(r.host()).isEqualTo("www.example.com");
    assertThat(r.pathPrefix()).isEqualTo("/Static");
    assertThat(r.group()).isEqualTo("assets");
    assertThat(r.isWildcardHost()).isFalse();
    assertThat(r).hasToString("www.example.com/Static -> assets");
    assertThat(ForwardingRule.of("*.Example.com", "/", "web").isWildcardHost()).isTrue();
    assertThat(ForwardingRule.anyHost("/api", "api")).hasToString("*/api -> api");
    assertThat(ForwardingRule.of("[::1]", "/", "v6").host()).isEqualTo("[::1]");
    assertThat(ForwardingRule.of("10.0.0.1", "/%20x", "ip").pathPrefix()).isEqualTo("/%20x");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "a/b|character '/' at index 1 is not allowed",
      "example.com:8080|ports are ignored: write the host alone",
      "a..b|empty label at index 2",
      ".a|empty label at index 0",
      "a.|empty label at the end",
      "*.|a wildcard needs a name after '*.'",
      "a.*.com|'*' is allowed only as the first label, '*.'",
      "[::1|an IPv6 literal ends with ']'",
      "[::g]|character 'g' at index 3 is not allowed in an IPv6 literal",
  })
  void rule_refusesBadHosts(String host, String why) {
    assertThatThrownBy(() -> ForwardingRule.of(host, "/", "g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(HOST_FORM + host + "' (" + why + ")");
  }

  @Test
  void rule_refusesAnEmptyOrTooLongHost() {
    assertThatThrownBy(() -> ForwardingRule.of("", "/", "g")).hasMessage(HOST_FORM + "' (0 characters; 1-253 allowed)");
    String longHost = "a".repeat(254);
    assertThatThrownBy(() -> ForwardingRule.of(longHost, "/", "g"))
        .hasMessage(HOST_FORM + longHost + "' (254 characters; 1-253 allowed)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "api|it must start with '/'",
      "/api/|a '/' at the end: prefixes match whole segments, '/a' matches '/a/b'",
      "/a//b|an empty segment at index 3",
      "/a/../b|a dot segment at index 3",
      "/a/./b|a dot segment at index 3",
      "/%61dmin|'%61' at index 1 encodes 'a', which a normalized path holds decoded",
      "/a%2fb|'%' at index 2 must be followed by two upper-case hex digits",
      "/a%2|'%' at index 2 must be followed by two upper-case hex digits",
      "/a%2Fb|an encoded '/' or '\\' at index 2",
      "/a;v=1|';' at index 2: path parameters are not matched",
      "/a b|character ' ' at index 2 is not allowed",
      "/a?b|character '?' at index 2 is not allowed",
  })
  void rule_refusesPrefixesThatAreNotNormalized(String prefix, String why) {
    assertThatThrownBy(() -> ForwardingRule.of(null, prefix, "g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(PATH_FORM + prefix + "' (" + why + ")");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "grp/1"})
  void rule_refusesBadGroupNames(String group) {
    assertThatThrownBy(() -> ForwardingRule.of(null, "/", group))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("forwardingRule.group must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.', was '"
            + group + "'");
  }

  @Test
  void build_reportsEveryDuplicateAndShadowedRuleWithItsRuleAndWhy() {
    ForwardingRules.Builder b = ForwardingRules.builder()
        .rule("*.example.com", "/api", "api")
        .rule("www.example.com", "/", "web")
        .rule("*.EXAMPLE.com", "/api", "api")
        .rule("WWW.example.com", "/", "legacy")
        .rule(null, "/", "web");
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("forwardingRules: rule #3 (*.example.com/api -> api) duplicates rule #1 (*.example.com/api -> api);"
            + " rule #4 (www.example.com/ -> legacy) is shadowed by rule #2 (www.example.com/ -> web): same host and"
            + " path prefix, rule #2 would always win");
  }

  @Test
  void build_refusesNoRuleAndNoDefault() {
    assertThatThrownBy(() -> ForwardingRules.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("forwardingRules needs at least one rule or a default group (every request would get 404)");
  }

  @Test
  void build_keepsOrderAndNamesEveryGroupOnce() {
    ForwardingRules rules = ForwardingRules.builder().rule(null, "/api", "api").rule("a.example.com", "/", "web")
        .rule(null, "/api/v2", "api").defaultGroup("web").build();
    assertThat(rules.rules()).extracting(ForwardingRule::toString)
        .containsExactly("*/api -> api", "a.example.com/ -> web", "*/api/v2 -> api");
    assertThat(rules.groups()).containsExactly("api", "web");
    assertThat(rules.defaultGroup()).isEqualTo("web");
    assertThat(ForwardingRules.builder().defaultGroup("only").build().rules()).isEmpty();
    assertThat(rules).isEqualTo(ForwardingRules.builder().rule(null, "/api", "api").rule("a.example.com", "/", "web")
        .rule(null, "/api/v2", "api").defaultGroup("web").build());
  }
}
