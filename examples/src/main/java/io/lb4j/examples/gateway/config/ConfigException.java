package io.lb4j.examples.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A gateway configuration that cannot be used, with every problem found in it (not only the first),
 * so a user fixes the file in one pass.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  /** A failure with at least one problem. */
  public ConfigException(List<ConfigProblem> problems) {
    super(render(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems must not be empty");
    }
    this.problems = List.copyOf(problems);
  }

  /** Every problem, in file order. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String render(List<ConfigProblem> problems) {
    return problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the configuration:\n"
        + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
  }
}
