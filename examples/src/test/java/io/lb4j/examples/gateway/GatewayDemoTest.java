package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** README's main job, {@code lb-gateway.jar demo}, run end to end against its real loopback backends. */
class GatewayDemoTest {

  @Test
  void demo_passesEveryPhaseWithTheAnswersTheReferencePrescribes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    int exit = GatewayDemo.run(out);

    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(printed).doesNotContain("FAILED").contains(
        "ok: each backend's share is within 2 points of its weight, on both listeners",
        "ok: the browser stays on its backend",
        "(connect refused)",
        "ok: no request goes to",
        "GET / -> 502 ",
        "ok: every backend is healthy again",
        "GET /slow -> 504 ",
        "-> 431 ",
        "-> 508 ",
        "ok: the rule matched the normalized path, which is what the backend receives",
        "GET /v1%2Forders -> 400 ",
        "ok: every request goes to the standby group",
        "ok: the standby gives the traffic back (one event for each switch)",
        "Every phase behaved as expected.");
    assertThat(exit).as(printed).isZero();
  }
}
