package io.lb4j.examples.gateway.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/** The problems found while reading one file, kept in line order. Not thread-safe; one per parse. */
final class Problems {

  private final String file;
  private final List<ConfigProblem> found = new ArrayList<>();

  Problems(String file) {
    this.file = file;
  }

  void add(Node at, String key, String message) {
    add(line(at), key, message);
  }

  void add(int line, String key, String message) {
    found.add(new ConfigProblem(file, line, key, message));
  }

  int size() {
    return found.size();
  }

  /** Throws when anything was found. */
  void throwIfAny() throws ConfigException {
    if (!found.isEmpty()) {
      List<ConfigProblem> sorted = new ArrayList<>(found);
      sorted.sort(Comparator.comparingInt(ConfigProblem::line));
      throw new ConfigException(sorted);
    }
  }

  static int line(Node node) {
    return node == null ? 0 : node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
  }
}
