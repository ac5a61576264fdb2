package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the listener knows of gRPC: which requests are calls, grpc-timeout, and its own answers' statuses. */
class GrpcTest {

  private static Http2Headers withField(String name, String value) {
    return new Http2Headers().add(":method", "POST").add(name, value);
  }

  @ParameterizedTest
  @CsvSource({"application/grpc,true", "application/grpc+proto,true", "application/grpc;charset=utf-8,true",
      "application/grpcx,false", "application/json,false", "application/grp,false"})
  void isGrpc_byContentType(String type, boolean grpc) {
    assertThat(Grpc.isGrpc(withField("content-type", type))).isEqualTo(grpc);
    assertThat(Grpc.isGrpc(new Http2Headers().add(":method", "POST"))).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"1n,1", "100m,100000000", "3S,3000000000", "2M,120000000000", "1H,3600000000000",
      "99999999u,99999999000", "5u,5000"})
  void timeout_unitsAndEdges(String value, long nanos) {
    assertThat(Grpc.timeoutNanos(withField("grpc-timeout", value))).isEqualTo(nanos);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "m", "100", "123456789S", "10s", "-1S", "1.5S", "10 S"})
  void timeout_malformedIsRefused(String value) {
    assertThat(Grpc.timeoutNanos(withField("grpc-timeout", value))).isEqualTo(Grpc.MALFORMED);
  }

  @Test
  void timeout_absentIsNone_andTheLargestSaturates() {
    assertThat(Grpc.timeoutNanos(new Http2Headers())).isEqualTo(Grpc.NO_TIMEOUT);
    assertThat(Grpc.timeoutNanos(withField("grpc-timeout", "99999999H"))).isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest
  @CsvSource({"1,1n", "99999999,99999999n", "100000000,100000u", "1500000000,1500000u", "3600000000000,3600000m",
      "360000000000000000,6000000M", "3600000000000000000,60000000M", "9000000000000000000,2500000H"})
  void formatTimeout_finestUnitThatFitsEightDigits_roundedUp(long nanos, String value) {
    assertThat(Grpc.formatTimeout(nanos)).isEqualTo(value);
    long parsed = Grpc.timeoutNanos(withField("grpc-timeout", value));
    assertThat(parsed).isGreaterThanOrEqualTo(nanos);
  }

  @ParameterizedTest
  @CsvSource({"502,CONNECT_FAILED,14", "502,NO_BACKEND,14", "503,SOCKET_UNAVAILABLE,14", "504,TIMEOUT,4",
      "400,BAD_REQUEST,13", "431,HEADER_TOO_LARGE,2", "508,LOOP,2", "501,NOT_IMPLEMENTED,2", "408,CLIENT_TIMEOUT,2"})
  void ownAnswers_mapToTheGrpcStatusAClientExpects(int status, FailureCause cause, int grpc) {
    assertThat(Grpc.statusFor(status, cause)).isEqualTo(grpc);
  }

  @Test
  void trailersOnly_carriesStatusAndAPercentEncodedMessage() {
    Http2Headers h = new Http2Headers();
    Grpc.trailersOnly(h, Grpc.UNAVAILABLE, "no backend: 100% down é\n");
    assertThat(h.get(":status")).isEqualTo("200");
    assertThat(h.get("content-type")).isEqualTo("application/grpc");
    assertThat(h.get("grpc-status")).isEqualTo("14");
    assertThat(h.get("grpc-message")).isEqualTo("no backend: 100%25 down %C3%A9%0A");
  }
}
