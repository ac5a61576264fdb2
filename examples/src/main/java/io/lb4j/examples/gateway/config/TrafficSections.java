package io.lb4j.examples.gateway.config;

import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.UdpSettings;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a listener's {@code peakBandwidth} ({@code {upstream: 50, downstream: 100, total: 120}}, in Mbit/s, each
 * optional) and, for a UDP listener, its {@code udp} section ({@code {flowIdleTimeout: 60s, maxDatagramSize:
 * 65507, maxFlows: 10000}}), through lb4j's own builders. Stateless.
 */
final class TrafficSections {

  static final Set<String> BANDWIDTH_KEYS = GatewayConfigParser.keys("upstream", "downstream", "total");
  static final Set<String> UDP_KEYS = GatewayConfigParser.keys("flowIdleTimeout", "maxDatagramSize", "maxFlows");

  private TrafficSections() {}

  /** The caps, when the section is present and valid. */
  static Optional<PeakBandwidth> peakBandwidth(ConfigNode listener) {
    Optional<ConfigNode> section = listener.section("peakBandwidth", BANDWIDTH_KEYS);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    ConfigNode node = section.get();
    PeakBandwidth.Builder b = PeakBandwidth.builder();
    int before = node.problemsMarker();
    node.integer("upstream", b::upstreamMbps);
    node.integer("downstream", b::downstreamMbps);
    node.integer("total", b::totalMbps);
    if (node.problemsMarker() != before) {
      return Optional.empty();
    }
    PeakBandwidth[] out = {null};
    node.apply("", () -> out[0] = b.build());
    return Optional.ofNullable(out[0]);
  }

  /** A UDP listener's settings (the defaults without a section); null after a problem or for another protocol. */
  static UdpSettings udp(ConfigNode listener, Protocol protocol) {
    Optional<ConfigNode> section = listener.section("udp", UDP_KEYS);
    if (protocol != Protocol.UDP) {
      section.ifPresent(udp -> udp.problem("udp applies to udp listeners only, but protocol is "
          + protocol.name().toLowerCase(Locale.ROOT)));
      return null;
    }
    if (section.isEmpty()) {
      return UdpSettings.defaults();
    }
    ConfigNode node = section.get();
    UdpSettings.Builder b = UdpSettings.builder();
    int before = node.problemsMarker();
    node.duration("flowIdleTimeout", b::flowIdleTimeout);
    node.integer("maxDatagramSize", b::maxDatagramSize);
    node.integer("maxFlows", b::maxFlows);
    if (node.problemsMarker() != before) {
      return null;
    }
    UdpSettings[] out = {null};
    node.apply("", () -> out[0] = b.build());
    return out[0];
  }
}
