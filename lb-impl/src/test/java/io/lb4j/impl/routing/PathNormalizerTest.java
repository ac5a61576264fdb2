package io.lb4j.impl.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.routing.PathNormalizer.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 3986 section 6.2.2 normalization, and what is refused rather than guessed. */
class PathNormalizerTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "/|/",
      "/a/b|/a/b",
      "/a/b?x=/../y|/a/b",
      "/a/|/a/",
      "//a///b//|/a/b/",
      "//|/",
      "/a/./b|/a/b",
      "/a/.|/a/",
      "/./|/",
      "/a/b/..|/a/",
      "/a/b/../c|/a/c",
      "/static/../admin|/admin",
      "/%61dmin|/admin",
      "/%7euser/%41%2d%2E%5F|/~user/A-._",
      "/a/%2e%2e/b|/b",
      "/a/%2E/b|/a/b",
      "/a%2fb|\"\"",
      "/a%20b/%3b%3F|/a%20b/%3B%3F",
      "/a;v=1/b|/a;v=1/b",
      "/a/...|/a/...",
      "/a/..b|/a/..b",
      "/Admin|/Admin",
  })
  void normalizes(String raw, String expected) {
    StringBuilder out = new StringBuilder();
    Verdict v = PathNormalizer.strict().normalize(raw, out);
    if (expected.isEmpty()) {
      assertThat(v).isEqualTo(Verdict.ENCODED_SLASH);
    } else {
      assertThat(v).isEqualTo(Verdict.OK);
      assertThat(out.toString()).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "a/b|NOT_ABSOLUTE",
      "*|NOT_ABSOLUTE",
      "\"\"|NOT_ABSOLUTE",
      "/a%2|BAD_ESCAPE",
      "/a%zz|BAD_ESCAPE",
      "/a%|BAD_ESCAPE",
      "/a%2Fb|ENCODED_SLASH",
      "/a%5cb|ENCODED_SLASH",
      "/a\\b|BAD_CHARACTER",
      "/a b|BAD_CHARACTER",
      "/a#b|BAD_CHARACTER",
      "/é|BAD_CHARACTER",
      "/..|ABOVE_ROOT",
      "/a/../..|ABOVE_ROOT",
      "/%2e%2e/admin|ABOVE_ROOT",
      "/..;/admin|AMBIGUOUS_DOT_SEGMENT",
      "/static/..;x/admin|AMBIGUOUS_DOT_SEGMENT",
      "/.;/admin|AMBIGUOUS_DOT_SEGMENT",
  })
  void refuses(String raw, Verdict expected) {
    assertThat(PathNormalizer.strict().normalize(raw, new StringBuilder())).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"/a%2fb|/a%2Fb", "/a%5Cb/c|/a%5Cb/c"})
  void keepingEncodedSlashes_keepsThemInTheirSegment(String raw, String expected) {
    StringBuilder out = new StringBuilder();
    assertThat(PathNormalizer.keepingEncodedSlashes().normalize(raw, out)).isEqualTo(Verdict.OK);
    assertThat(out.toString()).isEqualTo(expected);
  }
}
