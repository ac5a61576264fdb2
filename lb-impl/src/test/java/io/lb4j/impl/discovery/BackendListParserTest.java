package io.lb4j.impl.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendListParserTest {

  @Test
  void parse_readsIdsAddressesWeightsCommentsAndBlankLines() {
    String text = "# id address weight\n\nweb-1  10.0.0.1:8080  100\r\nweb-2 [fd00::2]:8080 50 # second\n"
        + "web-3 host.internal:1\n   \n";
    assertThat(BackendListParser.parse("b.txt", text)).containsExactly(Backend.of("web-1", "10.0.0.1", 8080, 100),
        Backend.of("web-2", "fd00::2", 8080, 50), Backend.of("web-3", "host.internal", 1, 100));
    assertThat(BackendListParser.parse("b.txt", text).get(1).weight()).isEqualTo(50);
    assertThat(BackendListParser.parse("b.txt", "# nothing\n")).isEmpty();
  }

  @Test
  void parse_refusesEveryMalformedLineWithItsNumber() {
    assertRefused("a\n", "b.txt line 1: line must be 'id host:port [weight]', was 'a'");
    assertRefused("\na 1.2.3.4:80 5 6\n", "b.txt line 2: line must be 'id host:port [weight]', was 'a 1.2.3.4:80 5 6'");
    assertRefused("a 1.2.3.4\n", "b.txt line 1: address must be host:port or [ipv6]:port, was '1.2.3.4'");
    assertRefused("a :80\n", "b.txt line 1: address must be host:port or [ipv6]:port, was ':80'");
    assertRefused("a []:80\n", "b.txt line 1: address must be host:port or [ipv6]:port, was '[]:80'");
    assertRefused("a [::1:80\n", "b.txt line 1: address must be host:port or [ipv6]:port, was '[::1:80'");
    assertRefused("a ::1:80\n", "b.txt line 1: address must put an IPv6 host in brackets, was '::1:80'");
    assertRefused("a h:\n", "b.txt line 1: backend.port must be a decimal number, was ''");
    assertRefused("a h:-1\n", "b.txt line 1: backend.port must be a decimal number, was '-1'");
    assertRefused("a h:0\n", "b.txt line 1: backend.port must be between 1 and 65535, was 0");
    assertRefused("a h:65536\n", "b.txt line 1: backend.port must be between 1 and 65535, was 65536");
    assertRefused("a h:1 101\n", "b.txt line 1: backend.weight must be between 0 and 100, was 101");
    assertRefused("a h:1 1234567890\n", "b.txt line 1: backend.weight must be a decimal number, was '1234567890'");
    assertRefused("a h:1\na h:2\n", "b.txt line 2: backend.id must be unique in the file, was 'a' twice");
  }

  @Test
  void parse_acceptsEachEdge() {
    assertThat(BackendListParser.parse("b.txt", "a h:65535 0\nb h:1 100\n")).extracting(Backend::port, Backend::weight)
        .map(t -> t.toList()).containsExactly(List.of(65535, 0), List.of(1, 100));
  }

  private static void assertRefused(String text, String message) {
    assertThatThrownBy(() -> BackendListParser.parse("b.txt", text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
