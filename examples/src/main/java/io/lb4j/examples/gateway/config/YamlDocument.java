package io.lb4j.examples.gateway.config;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlVersionException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The bytes of a configuration file made into a YAML node tree, or problems with real line numbers: the
 * file is at most {@link #MAX_BYTES}, UTF-8 (a byte-order mark is skipped; UTF-16 and other encodings are
 * named), and before the tree is built its events are read once to refuse what the gateway's format never
 * uses and what could hurt the process that reads it: nesting deeper than {@link #MAX_DEPTH} (the composer
 * recurses, and 10,000 brackets overflowed its stack), YAML tags ({@code !!binary}, {@code !foo}: values are
 * plain text here), and more than {@link #MAX_COLLECTION_ALIASES} aliases of lists or mappings (the
 * "billion laughs"). Stateless.
 */
final class YamlDocument {

  /** The largest file read, in bytes. A gateway file of 1,000 listeners with 10 backends each is about 1 MiB. */
  static final int MAX_BYTES = 4 * 1024 * 1024;
  /** The deepest nesting of lists and mappings; the format itself needs 5. */
  static final int MAX_DEPTH = 32;
  /** The most aliases of lists or mappings in one file. */
  static final int MAX_COLLECTION_ALIASES = 50;

  private YamlDocument() {}

  /**
   * The root node, or empty for a file without a document; every problem found is added to {@code problems}
   * (then the result is empty too).
   */
  static Optional<Node> read(byte[] content, Problems problems) {
    if (content.length > MAX_BYTES) {
      problems.add(lineAtByte(content, MAX_BYTES), "", "the file is larger than the " + MAX_BYTES
          + " bytes a configuration may have (this line is past the limit)");
      return Optional.empty();
    }
    Optional<String> text = decode(content, problems);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    return compose(text.get(), problems);
  }

  /** Strict UTF-8: a malformed byte is reported with its line, and UTF-16 or UTF-32 is named. */
  static Optional<String> decode(byte[] content, Problems problems) {
    int start = 0;
    if (content.length >= 3 && (content[0] & 0xff) == 0xEF && (content[1] & 0xff) == 0xBB
        && (content[2] & 0xff) == 0xBF) {
      start = 3; // a UTF-8 byte-order mark, which some Windows editors write
    }
    String other = otherEncoding(content);
    if (other != null) {
      problems.add(1, "", "the file is " + other + "; save it as UTF-8");
      return Optional.empty();
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(content, start, content.length - start);
    CharBuffer out = CharBuffer.allocate(content.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      problems.add(lineAtByte(content, at), "", String.format(Locale.ROOT,
          "not UTF-8: byte 0x%02X at offset %d cannot start or continue a UTF-8 character; save the file as UTF-8"
              + " (was it written as Latin-1 or Windows-1252?)", content[at] & 0xff, at));
      return Optional.empty();
    }
    try {
      decoder.flush(out);
    } catch (IllegalStateException e) {
      // flush after a complete decode cannot fail
    }
    out.flip();
    return Optional.of(out.toString());
  }

  /** UTF-16 or UTF-32 by its byte-order mark, or by zero bytes where ASCII text has none; else null. */
  private static String otherEncoding(byte[] b) {
    if (b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 0xff) == 0xFE && (b[3] & 0xff) == 0xFF) {
      return "UTF-32 (big-endian byte-order mark)";
    }
    if (b.length >= 4 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE && b[2] == 0 && b[3] == 0) {
      return "UTF-32 (little-endian byte-order mark)";
    }
    if (b.length >= 2 && (b[0] & 0xff) == 0xFE && (b[1] & 0xff) == 0xFF) {
      return "UTF-16 (big-endian byte-order mark FE FF)";
    }
    if (b.length >= 2 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE) {
      return "UTF-16 (little-endian byte-order mark FF FE)";
    }
    if (b.length >= 2 && b[0] == 0 && b[1] != 0) {
      return "UTF-16 big-endian without a byte-order mark (every other byte is 0)";
    }
    if (b.length >= 2 && b[0] != 0 && b[1] == 0) {
      return "UTF-16 little-endian without a byte-order mark (every other byte is 0)";
    }
    return null;
  }

  /** The settings of both passes over {@code text}. */
  static LoadSettings settings(int length) {
    // The reader keeps a window of the input and copies it on each refill; a single long value then costs
    // O(n^2 / bufferSize) (4 MB took 8 s with the default 1 KiB). The whole text is in memory already, so
    // one window holding all of it makes both passes linear.
    return LoadSettings.builder().setLabel("gateway config").setBufferSize(length + 1)
        .setCodePointLimit(MAX_BYTES + 1).setMaxAliasesForCollections(MAX_COLLECTION_ALIASES)
        .setAllowDuplicateKeys(true) // ConfigNode reports a duplicate key with its path
        .build();
  }

  private static Optional<Node> compose(String text, Problems problems) {
    LoadSettings settings = settings(text.length());
    int[] lastLine = {0};
    try {
      if (!screen(text, settings, problems, lastLine)) {
        return Optional.empty();
      }
      return new Compose(settings).composeReader(new StringReader(text));
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().or(e::getContextMark).map(mark -> mark.getLine() + 1).orElse(lastLine[0]);
      problems.add(line, "", "not valid YAML: " + e.getProblem());
    } catch (ReaderException e) {
      problems.add(lineAtCodePoint(text, e.getPosition()), "", String.format(Locale.ROOT,
          "not valid YAML: control character U+%04X is not allowed (only tab, line feed and carriage return are)",
          e.getCodePoint()));
    } catch (YamlVersionException e) {
      problems.add(lineOf(text, "%YAML"), "", "not valid YAML: version directive %YAML "
          + e.getSpecVersion().getRepresentation() + " is not supported (expected: 1.2, or no directive)");
    } catch (YamlEngineException | StackOverflowError e) {
      problems.add(lastLine[0], "", "not valid YAML: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }
    return Optional.empty();
  }

  /**
   * Reads the events once: refuses tags, nesting past {@link #MAX_DEPTH} and too many collection aliases,
   * each at its line; true when the document may be composed. {@code lastLine} follows the events read, so a
   * low-level error without a position of its own is reported where reading stopped.
   */
  private static boolean screen(String text, LoadSettings settings, Problems problems, int[] lastLine) {
    int depth = 0;
    int collectionAliases = 0;
    Map<String, Boolean> anchorIsCollection = new HashMap<>();
    boolean ok = true;
    for (Event event : new Parse(settings).parseReader(new StringReader(text))) {
      int line = event.getStartMark().map(mark -> mark.getLine() + 1).orElse(lastLine[0]);
      lastLine[0] = line;
      Optional<String> tag = event instanceof ScalarEvent ? ((ScalarEvent) event).getTag()
          : event instanceof CollectionStartEvent ? ((CollectionStartEvent) event).getTag() : Optional.empty();
      if (tag.isPresent()) {
        problems.add(line, "", "YAML tags are not allowed, was " + shortTag(tag.get())
            + " (values are plain text: write them without a tag)");
        ok = false;
      }
      if (event instanceof NodeEvent && !(event instanceof AliasEvent)) {
        ((NodeEvent) event).getAnchor().ifPresent(anchor ->
            anchorIsCollection.put(anchor.getValue(), event instanceof CollectionStartEvent));
      }
      if (event instanceof CollectionStartEvent && ++depth > MAX_DEPTH) {
        problems.add(line, "", "lists and mappings are nested more than " + MAX_DEPTH + " deep");
        return false;
      } else if (event instanceof CollectionEndEvent) {
        depth--;
      } else if (event instanceof AliasEvent) {
        String alias = ((AliasEvent) event).getAlias().getValue();
        if (Boolean.TRUE.equals(anchorIsCollection.get(alias)) && ++collectionAliases > MAX_COLLECTION_ALIASES) {
          problems.add(line, "", "more than " + MAX_COLLECTION_ALIASES + " aliases (*name) of lists or mappings");
          return false;
        }
      }
    }
    return ok;
  }

  /** {@code !!binary} for YAML's own tags, the tag itself otherwise. */
  private static String shortTag(String tag) {
    String yaml = "tag:yaml.org,2002:";
    return tag.startsWith(yaml) ? "!!" + tag.substring(yaml.length()) : tag;
  }

  /** The 1-based line of a byte offset. */
  static int lineAtByte(byte[] content, int offset) {
    int line = 1;
    for (int i = 0; i < offset && i < content.length; i++) {
      if (content[i] == '\n') {
        line++;
      }
    }
    return line;
  }

  /** The 1-based line of a code-point offset (as the YAML reader counts). */
  static int lineAtCodePoint(String text, int codePoints) {
    int line = 1;
    int index = 0;
    for (int i = 0; i < codePoints && index < text.length(); i++) {
      char c = text.charAt(index);
      if (c == '\n' || (c == '\r' && (index + 1 == text.length() || text.charAt(index + 1) != '\n'))) {
        line++;
      }
      index += Character.charCount(text.codePointAt(index));
    }
    return line;
  }

  /** The 1-based line of the first line starting with {@code prefix}, or 0. */
  private static int lineOf(String text, String prefix) {
    String[] lines = text.split("\r?\n|\r", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith(prefix)) {
        return i + 1;
      }
    }
    return 0;
  }
}
