package io.lb4j.impl.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lb4j.api.load.LoadReport;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OrcaLoadReportParserTest {

  private final OrcaLoadReportParser parser = OrcaLoadReportParser.strict();

  private LoadReport parse(String value) {
    return parser.parse(value);
  }

  private void refused(String value, String message) {
    assertThatThrownBy(() -> parse(value)).isInstanceOf(MalformedLoadReportException.class).hasMessage(message);
    byte[] bytes = ("x" + value + "y").getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> parser.parse(bytes, 1, bytes.length - 1)).as("the same from bytes")
        .hasMessage(message);
  }

  @Test
  void parse_theExampleOfTheIssue() {
    LoadReport r = parse("TEXT cpu_utilization=0.3, rps_fractional=10.0, eps=1");
    assertThat(r).isEqualTo(LoadReport.of(0.3, 10.0, 1));
  }

  @Test
  void parse_everyKeyEnvoyKnows() {
    LoadReport r = parse("TEXT cpu_utilization=0.7,application_utilization=0.8,mem_utilization=0.9,"
        + "rps_fractional=1000,eps=2,named_metrics.foo=123,named_metrics.bar=0.2,utilization.total=0.5");
    assertThat(r).isEqualTo(new LoadReport(0.7, 0.9, 0.8, 1000, 2, Map.of("total", 0.5),
        Map.of("foo", 123.0, "bar", 0.2)));
    assertThat(r.effectiveUtilization()).isEqualTo(0.8);
  }

  @Test
  void parse_allowsListWhitespaceEmptyElementsAndAnEmptyReport() {
    assertThat(parse("  TEXT   eps=1 ,\trps_fractional=2\t, cpu_utilization=0.5  ")).isEqualTo(LoadReport.of(0.5, 2, 1));
    assertThat(parse("TEXT eps=1,,rps_fractional=2,")).isEqualTo(LoadReport.of(0, 2, 1));
    assertThat(parse("TEXT ")).isEqualTo(LoadReport.of(0, 0, 0));
    assertThat(parse("TEXT ,")).isEqualTo(LoadReport.of(0, 0, 0));
  }

  @ParameterizedTest
  @CsvSource({"0, 0.0", "10, 10.0", "007, 7.0", "0.25, 0.25", "1e-3, 0.001", "2.5E+2, 250.0", "1E2, 100.0",
      "0.000000000000000000000000001, 1.0E-27", "123456789012345678901234567890, 1.2345678901234568E29",
      "4.9e-324, 4.9E-324", "1e-400, 0.0", "0.1000000000000000055511151231257827, 0.1"})
  void parse_decimalNumbers(String text, double expected) {
    assertThat(parse("TEXT eps=" + text).eps()).isEqualTo(expected);
  }

  @Test
  void parse_numbersAreCorrectlyRounded_likeParseDouble() {
    SplittableRandom random = new SplittableRandom(22);
    for (int i = 0; i < 20_000; i++) {
      double d = switch (i % 4) {
        case 0 -> random.nextDouble();
        case 1 -> random.nextDouble() * 1e6;
        case 2 -> Math.scalb(random.nextDouble(), random.nextInt(-60, 60));
        default -> random.nextInt(1_000_000) / 1000.0;
      };
      String text = switch (i % 3) {
        case 0 -> Double.toString(d);
        case 1 -> String.format(Locale.ROOT, "%.6f", d);
        default -> new BigDecimal(d).round(new java.math.MathContext(1 + random.nextInt(20))).toString();
      };
      assertThat(parse("TEXT rps_fractional=" + text).qps()).as(text).isEqualTo(Double.parseDouble(text));
    }
  }

  @Test
  void parse_fromBytes_readsTheRangeOnly() {
    byte[] bytes = "endpoint-load-metrics: TEXT eps=3, cpu_utilization=0.5\r\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(parser.parse(bytes, 23, bytes.length - 2)).isEqualTo(LoadReport.of(0.5, 0, 3));
    assertThatThrownBy(() -> parser.parse(bytes, 5, bytes.length + 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> parser.parse(bytes, 5, 4)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void refuses_otherFormatsAndAMissingPrefix() {
    refused("JSON {\"cpu_utilization\": 0.3}", "endpoint-load-metrics format JSON is not supported, only TEXT");
    refused("BIN CQAAAAAAAOA/", "endpoint-load-metrics format BIN is not supported, only TEXT");
    refused("text eps=1", "endpoint-load-metrics must start with 'TEXT ', was 'text eps=1'");
    refused("eps=1", "endpoint-load-metrics must start with 'TEXT ', was 'eps=1'");
    refused("", "endpoint-load-metrics must start with 'TEXT ', was ''");
    refused("TEXT\teps=1", "endpoint-load-metrics must start with 'TEXT ', was 'TEXT\teps=1'".replace("\t", "\\u0009"));
    refused("cpu_utilization=0.123456789, rps_fractional=1000",
        "endpoint-load-metrics must start with 'TEXT ', was 'cpu_utilization=0.123456789, rps...'");
  }

  @Test
  void refuses_entriesThatAreNotKeyEqualsValue() {
    refused("TEXT cpu_utilization:0.3", "endpoint-load-metrics entries must be key=value, was 'cpu_utilization:0.3'");
    refused("TEXT cpu_utilization", "endpoint-load-metrics entries must be key=value, was 'cpu_utilization'");
    refused("TEXT cpu_utilization =0.3, eps=1",
        "endpoint-load-metrics entries must be key=value, was 'cpu_utilization =0.3'");
    refused("TEXT =0.3", "endpoint-load-metrics entries must be key=value, was '=0.3' (no key)");
    refused("TEXT cpu_utilization= 0.3", "endpoint-load-metrics cpu_utilization must be a decimal number such as"
        + " 0.25 or 1e-3, was ''");
    refused("TEXT eps=", "endpoint-load-metrics eps must be a decimal number such as 0.25 or 1e-3, was ''");
    refused("TEXT eps=1 2", "endpoint-load-metrics entry eps must be followed by ',' or the end, was '2'");
    refused("TEXT eps=1;rps_fractional=2",
        "endpoint-load-metrics eps must be a decimal number such as 0.25 or 1e-3, was '1;rps_fractional=2'");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-1|a finite number, 0 or above",
      "-0.0|a finite number, 0 or above",
      "NaN|a finite number, 0 or above",
      "nan|a finite number, 0 or above",
      "Infinity|a finite number, 0 or above",
      "inf|a finite number, 0 or above",
      "+inf|a finite number, 0 or above",
      "1e999|a finite number, 0 or above",
      "+1|a decimal number such as 0.25 or 1e-3",
      ".5|a decimal number such as 0.25 or 1e-3",
      "5.|a decimal number such as 0.25 or 1e-3",
      "1e|a decimal number such as 0.25 or 1e-3",
      "1e+|a decimal number such as 0.25 or 1e-3",
      "0x1p3|a decimal number such as 0.25 or 1e-3",
      "0.3s|a decimal number such as 0.25 or 1e-3",
      "1d|a decimal number such as 0.25 or 1e-3",
      "1_000|a decimal number such as 0.25 or 1e-3",
      "'\"0.7\"'|a decimal number such as 0.25 or 1e-3"})
  void refuses_badNumbers(String number, String expected) {
    refused("TEXT cpu_utilization=" + number,
        "endpoint-load-metrics cpu_utilization must be " + expected + ", was '" + number + "'");
  }

  @Test
  void refuses_fractionsAboveOne() {
    assertThat(parse("TEXT mem_utilization=1, utilization.disk=1.0").memUtilization()).isEqualTo(1.0);
    refused("TEXT mem_utilization=1.01", "endpoint-load-metrics mem_utilization must be between 0 and 1, was '1.01'");
    refused("TEXT utilization.disk=2", "endpoint-load-metrics utilization.disk must be between 0 and 1, was '2'");
    assertThat(parse("TEXT cpu_utilization=1.5").cpuUtilization()).as("CPU may exceed its soft limit").isEqualTo(1.5);
  }

  @Test
  void refuses_duplicatesOfEveryKind() {
    refused("TEXT cpu_utilization=0.7,cpu_utilization=0.8",
        "endpoint-load-metrics must give each key once, gave cpu_utilization twice");
    refused("TEXT eps=1, rps_fractional=2, eps=1", "endpoint-load-metrics must give each key once, gave eps twice");
    refused("TEXT named_metrics.foo=123,named_metrics.dup=123,named_metrics.dup=0.2",
        "endpoint-load-metrics must give each key once, gave named_metrics.dup twice");
    refused("TEXT utilization.a=0.1, utilization.a=0.1",
        "endpoint-load-metrics must give each key once, gave utilization.a twice");
    assertThat(parse("TEXT utilization.a=0.1, named_metrics.a=0.1").namedMetrics()).containsEntry("a", 0.1);
  }

  @Test
  void refuses_unknownKeysUnlessAllowed_andEmptyMetricNames() {
    refused("TEXT cpu_utilization=0.7,unsupported_metric=0.8", "endpoint-load-metrics key must be one of"
        + " cpu_utilization, mem_utilization, application_utilization, rps_fractional, eps, utilization.<name>,"
        + " named_metrics.<name>, was 'unsupported_metric'");
    refused("TEXT rps=5", "endpoint-load-metrics key must be one of cpu_utilization, mem_utilization,"
        + " application_utilization, rps_fractional, eps, utilization.<name>, named_metrics.<name>, was 'rps'");
    refused("TEXT named_metrics.=123", "endpoint-load-metrics key named_metrics. must name a metric after"
        + " 'named_metrics.'");
    refused("TEXT utilization.=0.9", "endpoint-load-metrics key utilization. must name a metric after 'utilization.'");

    OrcaLoadReportParser lenient = parser.allowingUnknownKeys();
    assertThat(lenient.parse("TEXT cpu_utilization=0.7, future_field=3, eps=1")).isEqualTo(LoadReport.of(0.7, 0, 1));
    assertThatThrownBy(() -> lenient.parse("TEXT future_field=-3")).hasMessage(
        "endpoint-load-metrics future_field must be a finite number, 0 or above, was '-3'");
  }

  @Test
  void maxLength_acceptsTheEdgeAndRefusesOnePast() {
    OrcaLoadReportParser p = parser.withLimits(32, 8);
    String atLimit = "TEXT eps=1, rps_fractional=12345";
    assertThat(atLimit).hasSize(32);
    assertThat(p.parse(atLimit).qps()).isEqualTo(12345);
    assertThatThrownBy(() -> p.parse(atLimit + "6"))
        .hasMessage("endpoint-load-metrics must be at most 32 characters, was 33");
    assertThatThrownBy(() -> parse("TEXT eps=" + "1".repeat(2048)))
        .hasMessage("endpoint-load-metrics must be at most 2048 characters, was 2057");
    assertThat(parser.maxLength()).isEqualTo(2048);
  }

  @Test
  void maxEntries_acceptsTheEdgeAndRefusesOnePast_emptyElementsCount() {
    OrcaLoadReportParser p = parser.withLimits(2048, 3);
    assertThat(p.parse("TEXT eps=1, rps_fractional=2, cpu_utilization=0.1")).isEqualTo(LoadReport.of(0.1, 2, 1));
    assertThatThrownBy(() -> p.parse("TEXT eps=1, rps_fractional=2, cpu_utilization=0.1, mem_utilization=0.1"))
        .hasMessage("endpoint-load-metrics must have at most 3 entries, had more");
    assertThatThrownBy(() -> p.parse("TEXT eps=1,,,rps_fractional=2"))
        .hasMessage("endpoint-load-metrics must have at most 3 entries, had more");
    StringBuilder many = new StringBuilder("TEXT ");
    for (int i = 0; i < 65; i++) {
      many.append("named_metrics.m").append(i).append("=1,");
    }
    assertThatThrownBy(() -> parse(many.toString())).hasMessage("endpoint-load-metrics must have at most 64 entries, had more");
    assertThat(parser.maxEntries()).isEqualTo(64);
  }

  @Test
  void withLimits_validatesEachLimit() {
    assertThat(parser.withLimits(16, 1).maxLength()).isEqualTo(16);
    assertThat(parser.withLimits(65_536, 4_096).maxEntries()).isEqualTo(4_096);
    assertThatThrownBy(() -> parser.withLimits(15, 1)).hasMessage("loadReport.maxLength must be between 16 and 65536, was 15");
    assertThatThrownBy(() -> parser.withLimits(65_537, 1))
        .hasMessage("loadReport.maxLength must be between 16 and 65536, was 65537");
    assertThatThrownBy(() -> parser.withLimits(100, 0)).hasMessage("loadReport.maxEntries must be between 1 and 4096, was 0");
    assertThatThrownBy(() -> parser.withLimits(100, 4_097))
        .hasMessage("loadReport.maxEntries must be between 1 and 4096, was 4097");
  }

  @Test
  void messages_escapeControlCharactersAndCutLongValues() {
    refused("TEXT eps=1\r\nx", "endpoint-load-metrics eps must be a decimal number such as 0.25 or 1e-3, was"
        + " '1\\u000D\\u000Ax'");
    String longKey = "k".repeat(100);
    assertThatThrownBy(() -> parse("TEXT " + longKey + "=1")).hasMessageContaining("was '" + "k".repeat(64) + "...'");
  }

  @Test
  void parseFieldValues_noneIsNoReport_twoAreRefused() {
    assertThat(parser.parseFieldValues(List.of())).isNull();
    assertThat(parser.parseFieldValues(List.of("TEXT eps=2"))).isEqualTo(LoadReport.of(0, 0, 2));
    assertThatThrownBy(() -> parser.parseFieldValues(List.of("TEXT eps=2", "TEXT rps_fractional=1")))
        .isInstanceOf(MalformedLoadReportException.class)
        .hasMessage("endpoint-load-metrics must appear at most once in a response, appeared 2 times");
  }

  @Test
  void exception_hasNoStackTrace() {
    MalformedLoadReportException e = new MalformedLoadReportException("x");
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(e.getSuppressed()).isEmpty();
  }

  @Test
  void parse_allocatesOnlyTheReport() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
    com.sun.management.ThreadMXBean hotspot = (com.sun.management.ThreadMXBean) threads;
    assumeTrue(hotspot.isThreadAllocatedMemorySupported() && hotspot.isThreadAllocatedMemoryEnabled());
    String header = "TEXT cpu_utilization=0.3, application_utilization=0.25, rps_fractional=10.5, eps=1e-2";
    byte[] bytes = header.getBytes(StandardCharsets.ISO_8859_1);
    double expected = parse(header).qps() + parser.parse(bytes, 0, bytes.length).eps();
    long thread = Thread.currentThread().getId();

    long before = hotspot.getThreadAllocatedBytes(thread);
    double sum = 0;
    for (int i = 0; i < 10_000; i++) {
      sum += parse(header).qps() + parser.parse(bytes, 0, bytes.length).eps();
    }
    long allocated = hotspot.getThreadAllocatedBytes(thread) - before;

    assertThat(sum).isCloseTo(expected * 10_000, org.assertj.core.data.Offset.offset(1e-6));
    // 20,000 parses: a LoadReport is 64 bytes and the byte view 24 (76 on average, even interpreted); a
    // String per number or key, or a walk of the empty metric maps, would add 40 bytes or more per parse.
    assertThat(allocated / 20_000).isLessThan(100);
  }
}
