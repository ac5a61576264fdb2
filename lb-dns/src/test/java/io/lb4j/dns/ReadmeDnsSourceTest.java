package io.lb4j.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Type;

/** Keeps README's DNS snippet compiling and true: the block between the markers is the snippet. */
class ReadmeDnsSourceTest {

  @Test
  void readmeDnsSource_feedsPoolsFromAddressAndSrvRecords() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start()) {
      dns.set("web.internal", Type.A, new ARecord(TestDnsServer.name("web.internal"), DClass.IN, 30,
          InetAddress.getByName("127.0.0.1")));
      dns.set("_http._tcp.api.internal", Type.SRV, new SRVRecord(TestDnsServer.name("_http._tcp.api.internal"),
          DClass.IN, 30, 10, 60, 9090, TestDnsServer.name("api-1.internal")));
      dns.set("api-1.internal", Type.A, new ARecord(TestDnsServer.name("api-1.internal"), DClass.IN, 30,
          InetAddress.getByName("127.0.0.2")));
      InetSocketAddress dnsServer = dns.address();
      Listener listener = Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
      // --- README DNS source ---
      BackendSource web = DnsBackendSource.addresses("web.internal", 8080) // every A/AAAA address, one port
          .server(dnsServer)                                              // default: the system's resolvers
          .minTtl(Duration.ofSeconds(1)).maxTtl(Duration.ofMinutes(5))    // re-resolve after the smallest TTL, clamped
          .build();
      BackendSource api = DnsBackendSource.srv("_http._tcp.api.internal") // targets, ports, weights mapped to 0-100
          .server(dnsServer)
          .build();
      try (LoadBalancer webPool = LoadBalancers.builder(listener).backendSource(web).build().start();
          LoadBalancer apiPool = LoadBalancers.builder().name("api").backendSource(api).build().start()) {
        webPool.whenReady().get(10, TimeUnit.SECONDS);
        // --- end of README DNS source ---
        // The client pool checks health (TCP, by default) and nothing listens on 9090: wait for the list only.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (apiPool.view().isEmpty() && System.nanoTime() - deadline < 0) {
          LockSupport.parkNanos(5_000_000);
        }
        assertThat(webPool.view()).extracting(v -> v.backend().authority()).containsExactly("127.0.0.1:8080");
        assertThat(apiPool.view()).extracting(v -> v.backend().authority()).containsExactly("127.0.0.2:9090");
      }
    }
  }
}
