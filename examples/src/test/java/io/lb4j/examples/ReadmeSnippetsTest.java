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
 * Every Java snippet of README compiles as written (issue 19): it starts with its imports, and its code is a
 * block of a test that runs, line for line (indentation aside, and closing braces the README adds to end a
 * block). Each import is one the test has, or names a class of the test's own package.
 */
class ReadmeSnippetsTest {

  private static final List<Path> TEST_ROOTS = List.of(Path.of("src/test/java"),
      Path.of("../lb-impl/src/test/java"), Path.of("../lb-dns/src/test/java"), Path.of("../lb-zookeeper/src/test/java"));
  private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```\n", Pattern.DOTALL);

  /** A test source: its package, its imports and its lines without indentation. */
  private record Source(Path file, String pkg, List<String> imports, List<String> lines) {}

  @Test
  void everyJavaSnippetHasItsImportsAndIsTheCodeOfATest() throws IOException {
    List<Source> sources = sources();
    String readme = Files.readString(Path.of("../README.md"));
    Matcher m = BLOCK.matcher(readme);
    List<String> problems = new ArrayList<>();
    int blocks = 0;
    while (m.find()) {
      blocks++;
      List<String> imports = new ArrayList<>();
      List<String> code = new ArrayList<>();
      for (String line : m.group(1).split("\n")) {
        if (line.startsWith("import ")) {
          imports.add(line);
        } else if (!line.isBlank()) {
          code.add(line.strip());
        }
      }
      while (!code.isEmpty() && code.get(code.size() - 1).matches("[})]+;?")) {
        code.remove(code.size() - 1); // the README closes what the test goes on with
      }
      String first = code.isEmpty() ? "(empty)" : code.get(0);
      if (imports.isEmpty()) {
        problems.add("the snippet starting '" + first + "' has no imports");
      }
      Source found = sources.stream().filter(src -> contains(src.lines(), code)).findFirst().orElse(null);
      if (found == null) {
        problems.add("the snippet starting '" + first + "' is not the code of any test, line for line");
        continue;
      }
      for (String imp : imports) {
        String type = imp.substring("import ".length(), imp.length() - 1);
        String pkg = type.substring(0, type.lastIndexOf('.'));
        if (!found.imports().contains(imp) && !pkg.equals(found.pkg())) {
          problems.add("the snippet starting '" + first + "' imports " + type + ", which " + found.file()
              + " does not use");
        }
      }
    }
    assertThat(blocks).as("Java snippets in README").isGreaterThanOrEqualTo(9);
    assertThat(problems).isEmpty();
  }

  private static boolean contains(List<String> lines, List<String> code) {
    for (int i = 0; i + code.size() <= lines.size(); i++) {
      if (lines.subList(i, i + code.size()).equals(code)) {
        return true;
      }
    }
    return false;
  }

  private static List<Source> sources() throws IOException {
    List<Source> sources = new ArrayList<>();
    for (Path root : TEST_ROOTS) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          List<String> imports = new ArrayList<>();
          List<String> lines = new ArrayList<>();
          String pkg = "";
          for (String line : Files.readAllLines(file)) {
            if (line.startsWith("package ")) {
              pkg = line.substring("package ".length(), line.length() - 1);
            } else if (line.startsWith("import ")) {
              imports.add(line);
            } else if (!line.isBlank() && !line.strip().startsWith("// --- ")) {
              lines.add(line.strip());
            }
          }
          sources.add(new Source(file, pkg, imports, lines));
        }
      }
    }
    return sources;
  }
}
