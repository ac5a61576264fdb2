package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.health.HealthStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusTableTest {

  private static Map<String, List<BackendView>> views() {
    Map<String, List<BackendView>> views = new LinkedHashMap<>();
    views.put("web", List.of(
        new BackendView(Backend.of("app-1", "127.0.0.1", 9001, 3), BackendState.ACTIVE, HealthStatus.HEALTHY,
            false, 3, "HTTP 200", 2, 1500),
        new BackendView(Backend.of("app-22", "127.0.0.2", 9002, 1), BackendState.DRAINING,
            HealthStatus.UNHEALTHY, true, 0, "connect refused", 0, 7)));
    return views;
  }

  @Test
  void table_alignsColumnsAndShowsEveryBackendsState() {
    String[] lines = StatusTable.table(views()).split("\n");

    assertThat(lines).hasSize(3);
    assertThat(lines[0]).startsWith("listener  backend  address         health");
    assertThat(lines[1]).startsWith("web       app-1    127.0.0.1:9001  healthy");
    assertThat(lines[2]).contains("unhealthy (ejected) (draining)", "0/1", "connect refused");
    assertThat(lines[1].indexOf("HTTP 200")).isEqualTo(lines[2].indexOf("connect refused"));
  }

  @Test
  void lines_giveOneKeyValueLinePerBackend() {
    assertThat(StatusTable.lines(views())).containsExactly(
        "status listener=web backend=app-1 address=127.0.0.1:9001 health=healthy weight=3/3 active=2"
            + " requests=1500 lastCheck=\"HTTP 200\"",
        "status listener=web backend=app-22 address=127.0.0.2:9002 health=unhealthy (ejected) (draining)"
            + " weight=0/1 active=0 requests=7 lastCheck=\"connect refused\"");
  }
}
