package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule for {@code @since} (issue 19: 96 members said 0.2.0 in a 0.1.0-SNAPSHOT): a tag names the first
 * release that has the member. Nothing is released yet, so every tag in the library modules says the version
 * being built, without {@code -SNAPSHOT}; after a release, new members name the next one.
 */
class SinceTagsTest {

  private static final Pattern SINCE = Pattern.compile("@since\\s+(\\S+)");

  @Test
  void everySinceTagNamesTheVersionBeingBuilt() throws IOException {
    String version = projectVersion().replace("-SNAPSHOT", "");
    List<String> wrong = new ArrayList<>();
    int tags = 0;
    for (String module : List.of("lb-api", "lb-impl", "lb-testing", "lb-dns", "lb-zookeeper")) {
      try (Stream<Path> files = Files.walk(Path.of("..", module, "src", "main", "java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = SINCE.matcher(Files.readString(file));
          while (m.find()) {
            tags++;
            if (!m.group(1).equals(version)) {
              wrong.add(file + ": @since " + m.group(1));
            }
          }
        }
      }
    }
    assertThat(tags).as("@since tags found").isGreaterThan(50);
    assertThat(wrong).as("tags that do not say " + version).isEmpty();
  }

  private static String projectVersion() throws IOException {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    Matcher m = Pattern.compile("<artifactId>lb4j-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
