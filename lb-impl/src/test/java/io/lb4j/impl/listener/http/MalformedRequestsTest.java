package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.HttpLimits;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MalformedRequestsTest {

  static Stream<MalformedRequests.Case> cases() {
    return MalformedRequests.all().stream();
  }

  @Test
  void table_holdsAtLeastFortyCasesWithUniqueNames() {
    assertThat(MalformedRequests.all()).hasSizeGreaterThanOrEqualTo(40);
    assertThat(MalformedRequests.all().stream().map(MalformedRequests.Case::name).distinct().count())
        .isEqualTo(MalformedRequests.all().size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void codec_refusesCaseWithItsStatus_whole(MalformedRequests.Case c) {
    CodecRun.Verdict verdict = CodecRun.run(c.request(), c.request().length, HttpLimits.defaults());

    assertThat(verdict.status()).as(c.why() + " (" + verdict.reason() + ")").isEqualTo(c.status());
    assertThat(verdict.reason()).isEqualTo(c.reason());
    assertThat(verdict.stage()).isEqualTo(c.stage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void codec_refusesCaseWithItsStatus_oneByteAtATime(MalformedRequests.Case c) {
    CodecRun.Verdict verdict = CodecRun.run(c.request(), 1, HttpLimits.defaults());

    assertThat(verdict.status()).as(c.why() + " (" + verdict.reason() + ")").isEqualTo(c.status());
    assertThat(verdict.reason()).isEqualTo(c.reason());
    assertThat(verdict.stage()).isEqualTo(c.stage());
  }
}
