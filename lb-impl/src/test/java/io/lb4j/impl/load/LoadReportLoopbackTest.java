package io.lb4j.impl.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The report path a pool will run, on loopback with the test kit: real backends answer with ORCA's header,
 * a real HTTP client reads it, the parser turns it into a report and the calculator into weights. The clock
 * of the calculator is injected (periods are simulated), the traffic is real.
 */
class LoadReportLoopbackTest {

  private static final long SECOND = 1_000_000_000L;
  private final List<HttpTestBackend> backends = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @AfterEach
  void stop() {
    backends.forEach(HttpTestBackend::close);
  }

  private HttpTestBackend backend(String name, String host, String loadHeader) {
    HttpTestBackend b = HttpTestBackend.builder(name).host(host).build().start();
    b.set(Behavior.builder().header(LoadReport.HEADER, loadHeader).body("ok").build());
    backends.add(b);
    return b;
  }

  /** One request to {@code b}; the parsed report, or null when the header was malformed. */
  private LoadReport fetch(HttpTestBackend b, List<String> errors) throws Exception {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(
        URI.create("http://" + b.host() + ":" + b.port() + "/work")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    try {
      return OrcaLoadReportParser.strict().parseFieldValues(response.headers().allValues(LoadReport.HEADER));
    } catch (MalformedLoadReportException e) {
      errors.add(b.name() + ": " + e.getMessage());
      return null;
    }
  }

  @Test
  void reportsReadFromRealResponses_weighTheBusyBackendDown_andAMalformedOneKeepsItsLastWeight() throws Exception {
    HttpTestBackend a = backend("a", "127.0.0.41", "TEXT cpu_utilization=0.2, rps_fractional=100, eps=0");
    HttpTestBackend b = backend("b", "127.0.0.42", "TEXT cpu_utilization=0.2, rps_fractional=100, eps=0");
    HttpTestBackend slow = backend("slow", "127.0.0.43", "TEXT cpu_utilization=0.6, rps_fractional=100, eps=0");
    ReportedLoadWeights weights = new ReportedLoadWeights(LoadAwarePolicy.backendReports());
    List<String> ids = List.of("a", "b", "slow");
    List<String> errors = new ArrayList<>();
    long now = 0;

    for (int period = 0; period <= 10; period++, now += SECOND) {
      for (HttpTestBackend backend : backends) {
        LoadReport report = fetch(backend, errors);
        weights.onReport(backend.name(), report, now);
      }
    }
    assertThat(errors).isEmpty();
    assertThat(weights.weights(ids, now).toArray()).as("3x the CPU per request: a third of the weight")
        .containsExactly(100, 100, 33);

    slow.set(Behavior.builder().header(LoadReport.HEADER, "TEXT cpu_utilization=NaN, rps_fractional=100").build());
    LoadReport bad = fetch(slow, errors);

    assertThat(bad).isNull();
    assertThat(errors).containsExactly(
        "slow: endpoint-load-metrics cpu_utilization must be a finite number, 0 or above, was 'NaN'");
    assertThat(weights.weights(ids, now).toArray()).as("the last good report still counts")
        .containsExactly(100, 100, 33);
    assertThat(a.recording().count() + b.recording().count()).as("real requests").isEqualTo(22);
  }
}
