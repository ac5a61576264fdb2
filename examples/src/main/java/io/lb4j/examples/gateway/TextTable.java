package io.lb4j.examples.gateway;

import java.util.List;

/** Renders rows of cells as columns padded to their widest cell, two spaces apart. Stateless. */
final class TextTable {

  private TextTable() {}

  /** The rows, one line each; the last column is not padded. */
  static String render(List<String[]> rows) {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        out.append(row[i]);
        if (i < row.length - 1) {
          out.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.append('\n');
    }
    return out.toString();
  }
}
