package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** README's "Testing with lb4j" snippet is the compiled block of {@link ServiceMeshTest}, word for word. */
class ReadmeTestingSnippetTest {

  @Test
  void readmeSnippetIsTheServiceMeshTest() throws IOException {
    String test = Files.readString(Path.of("src/test/java/io/lb4j/examples/ServiceMeshTest.java"));
    String block = test.substring(test.indexOf("  // --- README testing ---\n") + 28,
        test.indexOf("      // --- end of README testing ---"));
    // The README shows the block two spaces left, closed by the braces of the try and the method.
    String expected = block.stripTrailing().lines().map(l -> l.startsWith("  ") ? l.substring(2) : l)
        .collect(Collectors.joining("\n")) + "\n  }\n}\n";
    String readme = Files.readString(Path.of("../README.md"));
    String section = readme.substring(readme.indexOf("## Testing with lb4j"));
    int start = section.indexOf("```java\n") + 8;
    String snippet = section.substring(start, section.indexOf("```\n", start));
    assertThat(snippet).isEqualTo(expected);
  }
}
