package io.lb4j.examples.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A YAML mapping being read into builders: every value is applied through a callback, and whatever
 * goes wrong (a missing or unknown key, a value of the wrong kind, a builder's
 * {@code IllegalArgumentException}) is recorded as a {@link ConfigProblem} at the value's line instead
 * of stopping the read, so one pass finds every problem. Not thread-safe; one per parse.
 */
final class ConfigNode {

  private final Problems problems;
  private final String path;
  private final Node node;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

  private ConfigNode(Problems problems, String path, Node node) {
    this.problems = problems;
    this.path = path;
    this.node = node;
  }

  /**
   * Reads a mapping, reporting keys given twice and keys not in {@code allowedKeys}; empty when
   * {@code node} is not a mapping (reported too).
   */
  static Optional<ConfigNode> mapping(Problems problems, String path, Node node, Set<String> allowedKeys) {
    if (!(node instanceof MappingNode)) {
      problems.add(node, path, "expected a mapping of " + String.join(", ", allowedKeys) + ", was " + describe(node));
      return Optional.empty();
    }
    ConfigNode map = new ConfigNode(problems, path, node);
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode)) {
        problems.add(keyNode, path, "keys must be plain names, was " + describe(keyNode));
        continue;
      }
      String key = ((ScalarNode) keyNode).getValue();
      String keyPath = child(path, key);
      if (!allowedKeys.contains(key)) {
        problems.add(keyNode, keyPath, "unknown key (expected one of: " + String.join(", ", allowedKeys) + ")");
      } else if (map.entries.putIfAbsent(key, tuple) != null) {
        problems.add(keyNode, keyPath, "given twice");
      }
    }
    return Optional.of(map);
  }

  /** How many problems the whole parse has found so far; compare two readings to see if a section added any. */
  int problemsMarker() {
    return problems.size();
  }

  /** The dotted path of this mapping. */
  String path() {
    return path;
  }

  /** Records a problem about this whole mapping, at its first line. */
  void problem(String message) {
    problems.add(node, path, message);
  }

  /** Records a problem about {@code key}, at its value's line (this mapping's when the key is absent). */
  void problem(String key, String message) {
    problems.add(has(key) ? valueNode(key) : node, child(path, key), message);
  }

  /**
   * Reports each present key that is not in {@code allowed} (keys the mapping accepts in general, but not
   * in this case: a {@code connect} key in a {@code dns} source), naming {@code what} this mapping is.
   */
  void onlyKeys(Set<String> allowed, String what) {
    entries.forEach((key, tuple) -> {
      if (!allowed.contains(key)) {
        problems.add(tuple.getKeyNode(), child(path, key),
            "not a key of " + what + " (expected one of: " + String.join(", ", allowed) + ")");
      }
    });
  }

  /** True when the key is present. */
  boolean has(String key) {
    return entries.containsKey(key);
  }

  /** Reports the key as required when it is absent; true when present. */
  boolean require(String key) {
    if (!has(key)) {
      problems.add(node, child(path, key), "is required");
      return false;
    }
    return true;
  }

  /** The scalar text of a key, when present and a scalar (a non-scalar is reported). */
  Optional<String> text(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return Optional.empty();
    }
    Node value = tuple.getValueNode();
    if (!(value instanceof ScalarNode)) {
      problems.add(value, child(path, key), "expected a single value, was " + describe(value));
      return Optional.empty();
    }
    return Optional.of(((ScalarNode) value).getValue());
  }

  /** Applies a string value; a builder exception becomes a problem. */
  void string(String key, Consumer<String> apply) {
    text(key).ifPresent(value -> apply(key, () -> apply.accept(value)));
  }

  /** Applies an integer value. */
  void integer(String key, IntConsumer apply) {
    text(key).ifPresent(value -> {
      int parsed;
      try {
        parsed = Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        problems.add(valueNode(key), child(path, key), "expected a whole number, was '" + value + "'");
        return;
      }
      apply(key, () -> apply.accept(parsed));
    });
  }

  /** Applies a boolean value ({@code true} or {@code false}, nothing else). */
  void bool(String key, Consumer<Boolean> apply) {
    text(key).ifPresent(value -> {
      String lower = value.trim().toLowerCase(Locale.ROOT);
      if (!lower.equals("true") && !lower.equals("false")) {
        problems.add(valueNode(key), child(path, key), "expected true or false, was '" + value + "'");
        return;
      }
      apply(key, () -> apply.accept(Boolean.parseBoolean(lower)));
    });
  }

  /** Applies a duration written as a whole number and a unit: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
  void duration(String key, Consumer<Duration> apply) {
    text(key).ifPresent(value -> {
      Optional<Duration> parsed = Durations.parse(value);
      if (parsed.isEmpty()) {
        problems.add(valueNode(key), child(path, key),
            "expected a duration such as 500ms, 2s, 5m or 1h, was '" + value + "'");
        return;
      }
      apply(key, () -> apply.accept(parsed.get()));
    });
  }

  /** Applies one of a fixed set of words (matched without regard to case). */
  <E> void choice(String key, Map<String, E> choices, Consumer<E> apply) {
    text(key).ifPresent(value -> {
      E chosen = choices.get(value.trim().toLowerCase(Locale.ROOT));
      if (chosen == null) {
        problems.add(valueNode(key), child(path, key),
            "expected one of " + String.join(", ", choices.keySet()) + ", was '" + value + "'");
        return;
      }
      apply(key, () -> apply.accept(chosen));
    });
  }

  /** A list of scalars, when present (a non-list or a nested value is reported). */
  List<String> texts(String key) {
    List<String> out = new ArrayList<>();
    List<Node> items = items(key);
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      if (item instanceof ScalarNode) {
        out.add(((ScalarNode) item).getValue());
      } else {
        problems.add(item, child(path, key) + "[" + i + "]", "expected a single value, was " + describe(item));
      }
    }
    return out;
  }

  /** A nested mapping, when present. */
  Optional<ConfigNode> section(String key, Set<String> allowedKeys) {
    NodeTuple tuple = entries.get(key);
    return tuple == null ? Optional.empty()
        : mapping(problems, child(path, key), tuple.getValueNode(), allowedKeys);
  }

  /** A list of mappings, when present; each element's path is {@code key[i]}. */
  List<ConfigNode> sections(String key, Set<String> allowedKeys) {
    List<ConfigNode> out = new ArrayList<>();
    List<Node> items = items(key);
    for (int i = 0; i < items.size(); i++) {
      mapping(problems, child(path, key) + "[" + i + "]", items.get(i), allowedKeys).ifPresent(out::add);
    }
    return out;
  }

  /** The elements of a list value; none when the key is absent or not a list (reported). */
  private List<Node> items(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return List.of();
    }
    Node value = tuple.getValueNode();
    if (!(value instanceof SequenceNode)) {
      problems.add(value, child(path, key), "expected a list, was " + describe(value));
      return List.of();
    }
    return ((SequenceNode) value).getValue();
  }

  /**
   * Runs a builder call for {@code key}; its {@code IllegalArgumentException} or
   * {@code IllegalStateException} (the builders' way of naming field, value and range) becomes a
   * problem at the key's value.
   */
  void apply(String key, Runnable call) {
    try {
      call.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      Node at = has(key) ? valueNode(key) : node;
      problems.add(at, child(path, key), e.getMessage());
    }
  }

  /** The line of a key's value, or of this mapping when the key is absent. */
  int lineOf(String key) {
    return Problems.line(has(key) ? valueNode(key) : node);
  }

  private Node valueNode(String key) {
    return entries.get(key).getValueNode();
  }

  private static String child(String path, String key) {
    if (key.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return node instanceof ScalarNode ? "'" + ((ScalarNode) node).getValue() + "'" : "nothing";
  }
}
