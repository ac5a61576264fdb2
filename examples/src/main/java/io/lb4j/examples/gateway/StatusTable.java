package io.lb4j.examples.gateway;

import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.routing.ServerGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the running gateway's backends as a table: one row per backend of every pool (a listener's, or one per
 * server group, named {@code listener/group}; a standby group's backends are marked), with its
 * health, state, weight (effective/configured), active connections, requests, and the last health check.
 * A terminal gets the table redrawn in place; a log file or pipe gets one plain line per backend per
 * refresh. Stateless and thread-safe.
 */
final class StatusTable {

  private static final String[] HEADER = {"listener", "backend", "address", "health", "weight", "active",
      "requests", "last check"};
  /** ANSI: cursor to the top left and clear the screen, so the table is redrawn in place. */
  static final String REDRAW = "\u001b[H\u001b[2J";

  private StatusTable() {}

  /** The table for a terminal. */
  static String table(Map<String, List<BackendView>> viewsByListener) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    viewsByListener.forEach((listener, views) -> {
      for (BackendView v : views) {
        rows.add(cells(listener, v));
      }
    });
    return TextTable.render(rows);
  }

  /** One {@code key=value} line per backend, for logs. */
  static List<String> lines(Map<String, List<BackendView>> viewsByListener) {
    List<String> lines = new ArrayList<>();
    viewsByListener.forEach((listener, views) -> {
      for (BackendView v : views) {
        String[] c = cells(listener, v);
        lines.add("status listener=" + c[0] + " backend=" + c[1] + " address=" + c[2] + " health=" + c[3]
            + " weight=" + c[4] + " active=" + c[5] + " requests=" + c[6] + " lastCheck=\"" + c[7] + "\"");
      }
    });
    return lines;
  }

  private static String[] cells(String listener, BackendView v) {
    String health = v.health().name().toLowerCase(Locale.ROOT)
        + (v.ejected() ? " (ejected)" : "")
        + (v.state() == BackendState.DRAINING ? " (draining)" : "")
        + (v.backend().enabled() ? "" : " (disabled)")
        + (v.backend().metadata().containsKey(ServerGroup.STANDBY_METADATA_KEY) ? " (standby)" : "");
    return new String[] {listener, v.backend().id(), v.backend().authority(), health,
        v.effectiveWeight() + "/" + v.backend().weight(), String.valueOf(v.activeConnections()),
        String.valueOf(v.picks()), v.lastCheck().isEmpty() ? "-" : v.lastCheck()};
  }
}
