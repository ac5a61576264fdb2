package io.lb4j.dns;

import io.lb4j.api.Backend;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.SRVRecord;

/**
 * Turns DNS records into backends. Stateless and thread-safe.
 *
 * <p>Ids are the backends' authorities ({@code 10.0.0.1:8080}, {@code [fd00::1]:8080}), so the same
 * address keeps its id (and its health state and hash keys) across resolutions, whichever record order
 * the server chose.
 */
final class DnsRecordMapper {

  private DnsRecordMapper() {}

  /** One backend per address, all on {@code port}, full weight, in address order. */
  static List<Backend> fromAddresses(List<InetAddress> addresses, int port, String name) {
    Map<String, Backend> byId = new LinkedHashMap<>();
    for (InetAddress address : sorted(addresses)) {
      Backend b = Backend.builder(authority(address, port), address.getHostAddress(), port)
          .metadata("dns.name", name).build();
      byId.putIfAbsent(b.id(), b);
    }
    return List.copyOf(byId.values());
  }

  /**
   * Maps an SRV weight to lb4j's 0-100 relative to the largest weight in the set: the largest becomes
   * 100, the others their share of it rounded up, so no non-zero weight turns into 0. RFC 2782's weight 0
   * ("a very small chance") becomes 1; when every weight is 0 they share equally at 100.
   */
  static int weight(int srvWeight, int maxSrvWeight) {
    if (maxSrvWeight == 0) {
      return Backend.MAX_WEIGHT;
    }
    if (srvWeight == 0) {
      return 1;
    }
    return (int) ((100L * srvWeight + maxSrvWeight - 1) / maxSrvWeight);
  }

  /** An SRV record together with the addresses its target resolved to. */
  record Target(SRVRecord srv, List<InetAddress> addresses) {}

  /**
   * One backend per target address and port. By default only the records of the lowest priority are used
   * (RFC 2782: higher priorities are for when every lower one is unreachable, which health checks, not DNS,
   * decide here); with {@code allPriorities} every record is, lower priorities first. Weights are mapped by
   * {@link #weight} within each priority, since RFC 2782 weights compare records of one priority only. Each
   * backend's {@link Backend#priority()} is its record's priority (the pool's failover tier), and its metadata
   * carries the record's priority and weight. An address that several records name keeps
   * the first (the lowest priority's).
   */
  static List<Backend> fromSrv(List<Target> targets, String name, boolean allPriorities) {
    int lowestPriority = targets.stream().mapToInt(t -> t.srv().getPriority()).min().orElse(0);
    List<Target> used = targets.stream().filter(t -> allPriorities || t.srv().getPriority() == lowestPriority)
        .sorted(Comparator.comparingInt(t -> t.srv().getPriority())).toList();
    Map<Integer, Integer> maxWeight = new HashMap<>();
    for (Target t : used) {
      maxWeight.merge(t.srv().getPriority(), t.srv().getWeight(), Math::max);
    }
    Map<String, Backend> byId = new LinkedHashMap<>();
    for (Target t : used) {
      for (InetAddress address : sorted(t.addresses())) {
        int port = t.srv().getPort();
        Backend b = Backend.builder(authority(address, port), address.getHostAddress(), port)
            .weight(weight(t.srv().getWeight(), maxWeight.get(t.srv().getPriority())))
            .priority(t.srv().getPriority()) // the pool's failover tier: both are 0-65535, lower preferred
            .metadata("dns.name", name)
            .metadata("dns.target", t.srv().getTarget().toString())
            .metadata(DnsBackendSource.PRIORITY_KEY, Integer.toString(t.srv().getPriority()))
            .metadata(DnsBackendSource.SRV_WEIGHT_KEY, Integer.toString(t.srv().getWeight()))
            .build();
        byId.putIfAbsent(b.id(), b);
      }
    }
    return List.copyOf(byId.values());
  }

  private static String authority(InetAddress address, int port) {
    String host = address.getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Addresses in a fixed order (IPv4 first, then by bytes), so the list does not churn with DNS rotation. */
  private static List<InetAddress> sorted(List<InetAddress> addresses) {
    List<InetAddress> copy = new ArrayList<>(addresses);
    Collections.sort(copy, (a, b) -> {
      byte[] x = a.getAddress();
      byte[] y = b.getAddress();
      return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    });
    return copy;
  }
}
