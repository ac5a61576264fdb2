package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.lb4j.api.Backend;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * Issue 18 item 10: lb-impl had no module descriptor, so a consumer that {@code requires io.lb4j.impl}
 * compiled but failed at run time ({@code NoClassDefFoundError} for slf4j) unless started with
 * {@code --add-modules ALL-MODULE-PATH}. A small consumer module is compiled and run here on the module path,
 * with no extra flag, the way a user would; another one that reaches into the pool's internals does not
 * compile.
 */
class ModulePathConsumerTest {

  private static final String MODULE_INFO = "module consumer { requires io.lb4j.impl; }\n";

  private static final String MAIN = String.join("\n",
      "package consumer;",
      "",
      "import io.lb4j.api.Backend;",
      "import io.lb4j.api.LoadBalancer;",
      "import io.lb4j.api.RequestContext;",
      "import io.lb4j.api.Selection;",
      "import io.lb4j.api.health.HealthCheckPolicy;",
      "import io.lb4j.impl.LoadBalancers;",
      "",
      "public final class Main {",
      "  public static void main(String[] args) {",
      "    try (LoadBalancer lb = LoadBalancers.builder().name(\"orders\").healthCheck(HealthCheckPolicy.disabled())",
      "        .backend(Backend.of(\"a\", \"127.0.0.1\", 8080)).build().start();",
      "        Selection s = lb.select(RequestContext.EMPTY)) {",
      "      System.out.println(\"selected \" + s.backend().id() + \" at \" + s.address());",
      "    }",
      "  }",
      "}",
      "");

  private static final String SNOOP = String.join("\n",
      "package consumer;",
      "",
      "public final class Snoop {",
      "  Object pool = io.lb4j.impl.pool.DefaultLoadBalancer.class;",
      "}",
      "");

  @Test
  void aConsumerModuleRequiringIoLb4jImpl_compilesAndRunsOnTheModulePath_withoutExtraFlags(@TempDir Path dir)
      throws Exception {
    String modulePath = modulePath();
    Path src = write(dir.resolve("src"), "consumer/Main.java", MAIN);
    Path out = dir.resolve("out");
    Compilation c = compile(modulePath, out, src.resolve("module-info.java"), src.resolve("consumer/Main.java"));
    assertThat(c.exitCode).as(c.output).isZero();

    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", modulePath + File.pathSeparator + out, "-m", "consumer/consumer.Main")
        .redirectErrorStream(true).start();
    String output = read(p.getInputStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the consumer ended").isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("selected a at /127.0.0.1:8080").doesNotContain("NoClassDefFoundError");
  }

  @Test
  void theInternalsAreNotExported_aConsumerThatReachesForThemDoesNotCompile(@TempDir Path dir) throws Exception {
    Path src = write(dir.resolve("src"), "consumer/Snoop.java", SNOOP);
    Compilation c = compile(modulePath(), dir.resolve("out"), src.resolve("module-info.java"),
        src.resolve("consumer/Snoop.java"));
    assertThat(c.exitCode).isNotZero();
    assertThat(c.output).contains("package io.lb4j.impl.pool is not visible");
  }

  private static Path write(Path src, String file, String content) throws IOException {
    Files.createDirectories(src.resolve("consumer"));
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve(file), content);
    return src;
  }

  private record Compilation(int exitCode, String output) {}

  private static Compilation compile(String modulePath, Path out, Path... sources) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("--module-path", modulePath, "-d", out.toString()));
    for (Path s : sources) {
      args.add(s.toString());
    }
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int exit = javac.run(null, diagnostics, diagnostics, args.toArray(new String[0]));
    return new Compilation(exit, diagnostics.toString(StandardCharsets.UTF_8));
  }

  /** lb-impl (its compiled module, descriptor included), lb-api and the three libraries lb-impl requires. */
  private static String modulePath() throws URISyntaxException {
    List<String> entries = new ArrayList<>();
    for (Class<?> c : List.of(LoadBalancers.class, Backend.class, Caffeine.class, CircuitBreaker.class,
        IntervalFunction.class, Logger.class)) {
      entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    assertThat(Path.of(entries.get(0), "module-info.class")).as("lb-impl's module descriptor").exists();
    return String.join(File.pathSeparator, entries);
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
