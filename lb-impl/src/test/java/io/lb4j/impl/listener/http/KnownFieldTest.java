package io.lb4j.impl.listener.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KnownFieldTest {

  static Stream<Arguments> names() {
    return Stream.of(
        arguments("Host", KnownField.HOST),
        arguments("CONTENT-LENGTH", KnownField.CONTENT_LENGTH),
        arguments("Transfer-Encoding", KnownField.TRANSFER_ENCODING),
        arguments("connection", KnownField.CONNECTION),
        arguments("Keep-Alive", KnownField.KEEP_ALIVE),
        arguments("Proxy-Connection", KnownField.PROXY_CONNECTION),
        arguments("TE", KnownField.TE),
        arguments("Upgrade", KnownField.UPGRADE),
        arguments("Expect", KnownField.EXPECT),
        arguments("Via", KnownField.VIA),
        arguments("Cookie", KnownField.COOKIE),
        arguments("X-Forwarded-For", KnownField.X_FORWARDED_FOR),
        arguments("x-forwarded-proto", KnownField.X_FORWARDED_PROTO),
        arguments("X-Forwarded-Port", KnownField.X_FORWARDED_PORT),
        arguments("X-Real-IP", KnownField.X_REAL_IP),
        arguments("Proxy-Authorization", KnownField.PROXY_AUTHORIZATION),
        arguments("Proxy-Authenticate", KnownField.PROXY_AUTHENTICATE),
        arguments("Set-Cookie", KnownField.OTHER),
        arguments("Hosts", KnownField.OTHER),
        arguments("T", KnownField.OTHER));
  }

  @ParameterizedTest
  @MethodSource("names")
  void classify_matchesEachNameToItsKindIgnoringCase(String name, byte kind) {
    byte[] b = ("x" + name + "y").getBytes(StandardCharsets.US_ASCII);

    assertThat(KnownField.classify(b, 1, b.length - 1)).isEqualTo(kind);
  }
}
