package io.lb4j.examples.gateway.admin;

import io.lb4j.examples.gateway.admin.GatewayStatus.BackendRow;
import io.lb4j.examples.gateway.admin.GatewayStatus.ListenerRow;
import io.lb4j.examples.gateway.admin.GatewayStatus.Snapshot;
import java.util.Locale;

/**
 * Renders a {@link Snapshot} as the {@code /status} HTML page (in the spirit of HAProxy's stats page: one
 * table, a header row per listener, a row per backend, redrawn by the browser every
 * {@value #REFRESH_SECONDS} seconds) and as {@code /status.json}. Every value from the pool is escaped.
 * Stateless.
 */
final class StatusPage {

  /** How often the page asks to be reloaded. */
  static final int REFRESH_SECONDS = 5;

  private static final String STYLE = String.join("\n",
      "body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}",
      "h1{font-size:18px;margin:0 0 4px}p.meta{color:#666;margin:0 0 12px}",
      "table{border-collapse:collapse;width:100%}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}",
      "th{background:#eef;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}",
      "tr.listener td{background:#334;color:#fff;font-weight:600}",
      "tr.up td.health{background:#cfc}tr.down td.health{background:#fcc}tr.warn td.health{background:#ffd699}",
      "span.failing{background:#fcc;color:#900;padding:0 4px}p.ready{font-weight:600}",
      "p.ready.no{color:#900}p.ready.yes{color:#060}");

  private StatusPage() {}

  /** The HTML page. */
  static String html(Snapshot s) {
    StringBuilder h = new StringBuilder(4096);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
        .append("<title>lb4j gateway status</title><style>").append(STYLE).append("</style></head><body>\n")
        .append("<h1>lb4j gateway status</h1>\n<p class=\"meta\">").append(esc(s.at().toString()))
        .append(" &middot; refreshed every ").append(REFRESH_SECONDS).append(" s &middot; ")
        .append("<a href=\"/status.json\">status.json</a> &middot; <a href=\"/metrics\">metrics</a></p>\n");
    if (s.notReady().isEmpty()) {
      h.append("<p class=\"ready yes\">Ready: every listener runs and has a backend that can take traffic.</p>\n");
    } else {
      h.append("<p class=\"ready no\">Not ready: ").append(esc(String.join("; ", s.notReady()))).append("</p>\n");
    }
    h.append("<table>\n<thead><tr><th>backend</th><th>address</th><th>health</th><th>last check</th>")
        .append("<th>last change</th><th>weight</th><th>active</th><th>req/s</th><th>5xx/s</th>")
        .append("<th>ejections</th></tr></thead>\n<tbody>\n");
    for (ListenerRow l : s.listeners()) {
      h.append("<tr class=\"listener\"><td colspan=\"10\">").append(esc(l.name())).append(" &middot; ")
          .append(esc(l.protocol())).append(" ").append(esc(l.address())).append(" &middot; ").append(esc(l.state()))
          .append(" &middot; ").append(l.connections()).append(" connections &middot; ")
          .append(rate(l.requestsPerSecond())).append(l.protocol().equals("tcp") ? " conn/s" : " req/s")
          .append(" &middot; ").append(rate(l.serverErrorsPerSecond())).append(" 5xx/s &middot; traffic: ")
          .append(l.traffic().startsWith("standby") ? "<span class=\"failing\">" + esc(l.traffic()) + "</span>"
              : esc(l.traffic()))
          .append(" &middot; peak bandwidth: ").append(esc(l.peakBandwidth())).append(" &middot; backends: ");
      if (l.sourceFailing()) {
        h.append("<span class=\"failing\">").append(esc(l.source())).append("</span>");
      } else {
        h.append(esc(l.source()));
      }
      h.append("</td></tr>\n");
      if (l.backends().isEmpty()) {
        h.append("<tr class=\"down\"><td colspan=\"10\">no backends</td></tr>\n");
      }
      for (BackendRow b : l.backends()) {
        String css = b.up() ? "up" : b.health().startsWith("unhealthy") || b.health().contains("ejected") ? "down" : "warn";
        h.append("<tr class=\"").append(css).append("\"><td>").append(esc(b.id())).append("</td><td>")
            .append(esc(b.address())).append("</td><td class=\"health\">").append(esc(b.health())).append("</td><td>")
            .append(esc(b.lastCheck())).append("</td><td>").append(esc(b.cause())).append("</td><td class=\"n\">")
            .append(b.effectiveWeight()).append('/').append(b.weight()).append("</td><td class=\"n\">")
            .append(b.active()).append("</td><td class=\"n\">").append(rate(b.requestsPerSecond()))
            .append("</td><td class=\"n\">").append(rate(b.serverErrorsPerSecond())).append("</td><td class=\"n\">")
            .append(b.ejections()).append("</td></tr>\n");
      }
    }
    return h.append("</tbody></table>\n</body></html>\n").toString();
  }

  /** The same as JSON: {@code {"at":..., "ready":..., "notReady":[...], "listeners":[{..., "backends":[...]}]}}. */
  static String json(Snapshot s) {
    StringBuilder j = new StringBuilder(2048).append("{\"at\":").append(str(s.at().toString()))
        .append(",\"ready\":").append(s.notReady().isEmpty()).append(",\"notReady\":[");
    for (int i = 0; i < s.notReady().size(); i++) {
      j.append(i == 0 ? "" : ",").append(str(s.notReady().get(i)));
    }
    j.append("],\"listeners\":[");
    for (int i = 0; i < s.listeners().size(); i++) {
      ListenerRow l = s.listeners().get(i);
      j.append(i == 0 ? "" : ",").append("{\"name\":").append(str(l.name())).append(",\"protocol\":")
          .append(str(l.protocol())).append(",\"address\":").append(str(l.address())).append(",\"state\":")
          .append(str(l.state())).append(",\"source\":").append(str(l.source())).append(",\"sourceFailing\":")
          .append(l.sourceFailing()).append(",\"connections\":").append(l.connections())
          .append(",\"requestsPerSecond\":").append(rate(l.requestsPerSecond())).append(",\"serverErrorsPerSecond\":")
          .append(rate(l.serverErrorsPerSecond())).append(",\"traffic\":").append(str(l.traffic()))
          .append(",\"peakBandwidth\":").append(str(l.peakBandwidth())).append(",\"backends\":[");
      for (int k = 0; k < l.backends().size(); k++) {
        BackendRow b = l.backends().get(k);
        j.append(k == 0 ? "" : ",").append("{\"id\":").append(str(b.id())).append(",\"address\":")
            .append(str(b.address())).append(",\"health\":").append(str(b.health())).append(",\"up\":").append(b.up())
            .append(",\"lastCheck\":").append(str(b.lastCheck())).append(",\"lastChange\":").append(str(b.cause()))
            .append(",\"effectiveWeight\":").append(b.effectiveWeight()).append(",\"weight\":").append(b.weight())
            .append(",\"active\":").append(b.active()).append(",\"requestsPerSecond\":")
            .append(rate(b.requestsPerSecond())).append(",\"serverErrorsPerSecond\":")
            .append(rate(b.serverErrorsPerSecond())).append(",\"ejections\":").append(b.ejections()).append('}');
      }
      j.append("]}");
    }
    return j.append("]}").toString();
  }

  private static String rate(double perSecond) {
    return String.format(Locale.ROOT, "%.1f", perSecond);
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String str(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
