package io.lb4j.api.load;

import static io.lb4j.api.internal.Checks.printable;

import java.util.Map;
import java.util.Objects;

/**
 * What a backend reports about its own load, in the fields of ORCA's {@code OrcaLoadReport} (the xDS
 * "Open Request Cost Aggregation" load report): utilization of CPU, memory and the application, the
 * requests and errors per second it serves, and named metrics.
 *
 * <p>Backends send it in the {@value #HEADER} response header, in ORCA's text format, for example
 * {@code endpoint-load-metrics: TEXT cpu_utilization=0.3, rps_fractional=10.0, eps=1}. As in ORCA (a proto3
 * message), a field the backend did not send is 0: "not reported" and "zero" are the same value.
 *
 * <p>Every value is a finite number, 0 or above, as ORCA's validation rules and Envoy's parser require;
 * {@code memUtilization} and the {@code utilization} map's values are fractions, at most 1.
 * CPU and application utilization may exceed 1 (a backend past its soft limit). The maps are unmodifiable
 * and their keys are 1 or more printable ASCII characters without spaces, {@code ','} or {@code '='}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cpuUtilization CPU in use, as a fraction of what is available (ORCA {@code cpu_utilization})
 * @param memUtilization memory in use, a fraction from 0 to 1 (ORCA {@code mem_utilization})
 * @param applicationUtilization the application's own notion of how busy it is (ORCA
 *     {@code application_utilization}); preferred over CPU when above 0
 * @param qps requests served per second, all results counted (ORCA {@code rps_fractional})
 * @param eps failed requests per second (ORCA {@code eps})
 * @param utilization other resources in use, each a fraction from 0 to 1 (ORCA {@code utilization})
 * @param namedMetrics application-defined metrics (ORCA {@code named_metrics})
 * @since 0.1.0
 */
public record LoadReport(double cpuUtilization, double memUtilization, double applicationUtilization,
    double qps, double eps, Map<String, Double> utilization, Map<String, Double> namedMetrics) {

  /** The response header that carries a report: ORCA's name, read case-insensitively. */
  public static final String HEADER = "endpoint-load-metrics";

  /** Validates every value and copies the maps (a map from {@link Map#of} is kept as it is). */
  public LoadReport {
    checkNonNegative("loadReport.cpuUtilization", cpuUtilization);
    checkFraction("loadReport.memUtilization", memUtilization);
    checkNonNegative("loadReport.applicationUtilization", applicationUtilization);
    checkNonNegative("loadReport.qps", qps);
    checkNonNegative("loadReport.eps", eps);
    utilization = Map.copyOf(Objects.requireNonNull(utilization, "loadReport.utilization"));
    namedMetrics = Map.copyOf(Objects.requireNonNull(namedMetrics, "loadReport.namedMetrics"));
    // Empty maps (the usual case) are not walked: Map.forEach on an immutable map allocates a view and an
    // iterator, which a report parsed for every response need not pay.
    if (!utilization.isEmpty()) {
      utilization.forEach((name, value) -> {
        checkName("loadReport.utilization", name);
        if (!(value >= 0 && value <= 1)) {
          checkFraction("loadReport.utilization[" + name + "]", value);
        }
      });
    }
    if (!namedMetrics.isEmpty()) {
      namedMetrics.forEach((name, value) -> {
        checkName("loadReport.namedMetrics", name);
        if (!(value >= 0 && value <= Double.MAX_VALUE)) {
          checkNonNegative("loadReport.namedMetrics[" + name + "]", value);
        }
      });
    }
  }

  /**
   * A report of the three values a weight is computed from, nothing else reported.
   *
   * @param cpuUtilization CPU in use, a fraction (may exceed 1)
   * @param qps requests served per second
   * @param eps failed requests per second
   * @return the report
   */
  public static LoadReport of(double cpuUtilization, double qps, double eps) {
    return new LoadReport(cpuUtilization, 0, 0, qps, eps, Map.of(), Map.of());
  }

  /**
   * The utilization a weight is computed from, as gRPC's {@code weighted_round_robin} chooses it: the
   * application's utilization when the backend reported one above 0, else its CPU utilization.
   *
   * @return the utilization, 0 when the backend reported neither
   */
  public double effectiveUtilization() {
    return applicationUtilization > 0 ? applicationUtilization : cpuUtilization;
  }

  private static void checkNonNegative(String field, double value) {
    if (!(value >= 0 && value <= Double.MAX_VALUE)) {
      throw new IllegalArgumentException(field + " must be a finite number, 0 or above, was " + value);
    }
  }

  private static void checkFraction(String field, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(field + " must be between 0 and 1, was " + value);
    }
  }

  private static void checkName(String field, String name) {
    Objects.requireNonNull(name, field + " key");
    boolean ok = !name.isEmpty();
    for (int i = 0; ok && i < name.length(); i++) {
      ok = isNameChar(name.charAt(i));
    }
    if (!ok) {
      throw new IllegalArgumentException(field + " key must be 1 or more printable ASCII characters without"
          + " spaces, ',' or '=', was '" + printable(name) + "'");
    }
  }

  /**
   * Whether {@code c} may appear in a metric name: printable ASCII except space, {@code ','} and
   * {@code '='} (the separators of the text format).
   *
   * @param c the character
   * @return true when allowed
   */
  public static boolean isNameChar(int c) {
    return c > ' ' && c < 127 && c != ',' && c != '=';
  }
}
