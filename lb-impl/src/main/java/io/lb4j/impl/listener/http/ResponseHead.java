package io.lb4j.impl.listener.http;

import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.load.MalformedLoadReportException;
import io.lb4j.impl.load.OrcaLoadReportParser;

/**
 * A parsed response head from a backend (see {@link HttpHead} for fields, framing and reuse): status
 * code and reason phrase.
 *
 * <p>Not thread-safe; owned by its {@link ResponseHeadParser} and valid until that parser is reset.
 *
 * @since 0.1.0
 */
public final class ResponseHead extends HttpHead {

  int status;
  int reasonStart;
  int reasonEnd;

  ResponseHead() {}

  @Override
  void reset() {
    super.reset();
    status = 0;
    reasonStart = 0;
    reasonEnd = 0;
  }

  /** The status code, 100-599. */
  public int status() {
    return status;
  }

  /** The reason phrase, possibly empty (allocates). */
  public String reason() {
    return ascii(reasonStart, reasonEnd);
  }

  /**
   * True for an interim response (1xx other than 101, such as 100 Continue): the final response
   * follows it on the same connection; forward it and parse again after a reset.
   */
  public boolean isInterim() {
    return status >= 100 && status < 200 && status != 101;
  }

  /**
   * The backend's load report in this response's {@value LoadReport#HEADER} field, parsed in place from the
   * head's bytes (no string is made of the value).
   *
   * @param parser the parser, with its limits
   * @return the report, or null when the response has no such field
   * @throws MalformedLoadReportException when the field appears more than once or its value is malformed
   */
  public LoadReport loadReport(OrcaLoadReportParser parser) {
    int found = -1;
    int times = 0;
    for (int i = 0; i < fieldCount; i++) {
      if (fieldNameIs(i, LoadReport.HEADER)) {
        times++;
        found = found < 0 ? i : found;
      }
    }
    if (times == 0) {
      return null;
    }
    if (times > 1) {
      throw OrcaLoadReportParser.repeated(times);
    }
    return parser.parse(bytes, valueStart(found), valueEnd(found));
  }

  /** True for 101 Switching Protocols: after this head the connection is a tunnel. */
  public boolean isSwitchingProtocols() {
    return status == 101;
  }
}
