package io.lb4j.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Type;

class DnsBackendSourceTest {

  private static final Listener LISTENER = Listener.builder("dns", Protocol.HTTP, 0)
      .healthCheck(HealthCheckPolicy.disabled()).build();
  private static final DiscoveryPolicy FAST_RETRY = DiscoveryPolicy.builder().initialTimeout(Duration.ofSeconds(30))
      .retryInitialBackoff(Duration.ofMillis(20)).retryMaxBackoff(Duration.ofMillis(100)).build();
  private static final String NAME = "web.lb4j.test.";

  private TestDnsServer dns;
  private LoadBalancer pool;

  @BeforeEach
  void startDns() throws Exception {
    dns = TestDnsServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (pool != null) {
      pool.close();
    }
    dns.close();
  }

  private DnsBackendSource.Builder addresses() {
    return DnsBackendSource.addresses(NAME, 8080).server(dns.address()).queryTimeout(Duration.ofSeconds(5));
  }

  private LoadBalancer startPool(BackendSource source) {
    pool = LoadBalancers.builder(LISTENER).backendSource(source).discoveryPolicy(FAST_RETRY).build().start();
    return pool;
  }

  private static Record a(String name, long ttl, String address) throws Exception {
    return new ARecord(TestDnsServer.name(name), DClass.IN, ttl, InetAddress.getByName(address));
  }

  private static Record aaaa(String name, long ttl, String address) throws Exception {
    return new AAAARecord(TestDnsServer.name(name), DClass.IN, ttl, InetAddress.getByName(address));
  }

  private static Record srv(String name, int priority, int weight, int port, String target) {
    return new SRVRecord(TestDnsServer.name(name), DClass.IN, 60, priority, weight, port, TestDnsServer.name(target));
  }

  private List<String> ids() {
    return pool.view().stream().map(v -> v.backend().id()).toList();
  }

  private SourceState state() {
    return pool.sourceState().orElseThrow();
  }

  @Test
  void addresses_everyAandAaaaAddressBecomesABackendOnThePort() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 60, "127.0.0.12"), a(NAME, 60, "127.0.0.11"));
    dns.set(NAME, Type.AAAA, aaaa(NAME, 60, "::1"));

    startPool(addresses().build());

    await("first list", () -> state().phase() == Phase.HEALTHY);
    assertThat(ids()).containsExactly("127.0.0.11:8080", "127.0.0.12:8080", "[0:0:0:0:0:0:0:1]:8080");
    Backend first = pool.view().get(0).backend();
    assertThat(first.host()).isEqualTo("127.0.0.11");
    assertThat(first.port()).isEqualTo(8080);
    assertThat(first.weight()).isEqualTo(100);
    assertThat(first.metadata()).containsEntry("dns.name", NAME);
    assertThat(state().source()).isEqualTo("dns A/AAAA " + NAME + " port 8080 @127.0.0.1:" + dns.address().getPort());
  }

  @Test
  void ttlExpiry_resolvesAgainAndAppliesTheChangedRecordSet() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 1, "127.0.0.1"), a(NAME, 1, "127.0.0.2"));
    startPool(addresses().ipv6(false).minTtl(Duration.ofMillis(10)).build());
    await("first list", () -> ids().equals(List.of("127.0.0.1:8080", "127.0.0.2:8080")));

    dns.set(NAME, Type.A, a(NAME, 1, "127.0.0.2"), a(NAME, 1, "127.0.0.3"));

    await("the new record set after the 1 s TTL", () -> ids().equals(List.of("127.0.0.2:8080", "127.0.0.3:8080")));
    assertThat(dns.queries(NAME, Type.A)).isGreaterThanOrEqualTo(2);
    assertThat(dns.queries(NAME, Type.AAAA)).as("ipv6 off").isZero();
    assertThat(state().phase()).isEqualTo(Phase.HEALTHY);
  }

  @Test
  void maxTtl_capsALongTtl() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 86_400, "127.0.0.1"));
    startPool(addresses().ipv6(false).maxTtl(Duration.ofMillis(50)).minTtl(Duration.ofMillis(50)).build());
    await("first list", () -> ids().equals(List.of("127.0.0.1:8080")));

    dns.set(NAME, Type.A, a(NAME, 86_400, "127.0.0.9"));

    await("the change, long before the day-long TTL", () -> ids().equals(List.of("127.0.0.9:8080")));
  }

  @Test
  void nxdomain_keepsTheLastGoodListSaysFailingAndRecovers() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 0, "127.0.0.1"));
    startPool(addresses().ipv6(false).minTtl(Duration.ofMillis(20)).build());
    await("first list", () -> ids().equals(List.of("127.0.0.1:8080")));

    dns.rcode(NAME, Rcode.NXDOMAIN);

    await("failing", () -> state().phase() == Phase.FAILING);
    assertThat(state().lastError()).isEqualTo(NAME + " A: NXDOMAIN");
    assertThat(state().backends()).isEqualTo(1);
    assertThat(ids()).containsExactly("127.0.0.1:8080");
    int queriesWhileFailing = dns.queries(NAME, Type.A);
    await("retries with backoff", () -> dns.queries(NAME, Type.A) >= queriesWhileFailing + 2);
    assertThat(ids()).containsExactly("127.0.0.1:8080");

    dns.rcode(NAME, null);
    dns.set(NAME, Type.A, a(NAME, 0, "127.0.0.5"));
    await("recovered", () -> state().phase() == Phase.HEALTHY && ids().equals(List.of("127.0.0.5:8080")));
  }

  @Test
  void serverThatStopsAnswering_keepsTheLastGoodListUntilItAnswersAgain() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 0, "127.0.0.1"));
    startPool(addresses().ipv6(false).minTtl(Duration.ofMillis(20)).queryTimeout(Duration.ofMillis(200)).build());
    await("first list", () -> ids().equals(List.of("127.0.0.1:8080")));

    dns.silent(true);

    await("failing", () -> state().phase() == Phase.FAILING);
    assertThat(state().lastError()).startsWith(NAME + " A: no answer (");
    assertThat(ids()).containsExactly("127.0.0.1:8080");

    dns.set(NAME, Type.A, a(NAME, 0, "127.0.0.7"));
    dns.silent(false);
    await("answering again", () -> state().phase() == Phase.HEALTHY && ids().equals(List.of("127.0.0.7:8080")));
  }

  /**
   * Issue 22's DNS defect: after a 25 s outage, recovery took 14-25 s because the retries backed off. The
   * pool's own retries are 10 minutes apart here, so only the source's capped retries (at most one 1 s TTL
   * apart) can bring the pool back; without them this test waits out its deadline.
   */
  @Test
  void dnsOutage_recoversWithinAboutOneTtlOfTheServersReturn_notAfterABackoff() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 1, "127.0.0.1"));
    DiscoveryPolicy slowPoolRetries = DiscoveryPolicy.builder().retryInitialBackoff(Duration.ofMinutes(10))
        .retryMaxBackoff(Duration.ofMinutes(10)).build();
    pool = LoadBalancers.builder(LISTENER).discoveryPolicy(slowPoolRetries)
        .backendSource(addresses().ipv6(false).minTtl(Duration.ofMillis(50)).queryTimeout(Duration.ofMillis(500)).build())
        .build().start();
    await("first list", () -> state().phase() == Phase.HEALTHY && ids().equals(List.of("127.0.0.1:8080")));
    int port = dns.address().getPort();

    dns.close(); // the server is down: queries are refused (ICMP port unreachable) or time out

    await("failing", () -> state().phase() == Phase.FAILING);
    await("the source retries on its own, many times, while the pool waits 10 minutes", () -> state().retries() >= 6);
    assertThat(ids()).as("last known good").containsExactly("127.0.0.1:8080");

    dns = TestDnsServer.start(port);
    dns.set(NAME, Type.A, a(NAME, 1, "127.0.0.9"));

    await("back after the server's return", () -> state().phase() == Phase.HEALTHY
        && ids().equals(List.of("127.0.0.9:8080")));
  }

  /**
   * The DNS source retries by itself, so the pool, however short its own backoff, adds no refresh during an
   * outage: the queries are the source's, at most one per TTL once it has backed off.
   */
  @Test
  void theSourceRetriesItself_soThePoolAddsNoRefreshDuringAnOutage() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 1, "127.0.0.1"));
    AtomicInteger refreshes = new AtomicInteger();
    DnsBackendSource real = addresses().ipv6(false).minTtl(Duration.ofMillis(50)).build();
    assertThat(real.retriesItself()).isTrue();
    BackendSource counting = new BackendSource() {
      @Override
      public String description() {
        return real.description();
      }

      @Override
      public void start(Subscriber subscriber) {
        real.start(subscriber);
      }

      @Override
      public void refresh() {
        refreshes.incrementAndGet();
        real.refresh();
      }

      @Override
      public boolean retriesItself() {
        return real.retriesItself();
      }

      @Override
      public void close() {
        real.close();
      }
    };
    startPool(counting); // FAST_RETRY: the pool alone would refresh every few milliseconds
    await("first list", () -> ids().equals(List.of("127.0.0.1:8080")));
    dns.rcode(NAME, Rcode.SERVFAIL);
    await("several failures in a row", () -> state().phase() == Phase.FAILING && state().retries() >= 4);
    assertThat(refreshes.get()).isZero();
    dns.rcode(NAME, null);
    await("recovered", () -> state().phase() == Phase.HEALTHY);
    assertThat(refreshes.get()).isZero();
  }

  @Test
  void retryDelay_doublesFromMinTtlButNeverPastTheLastTtl() {
    Duration min = Duration.ofMillis(100);
    Duration ttl = Duration.ofSeconds(1);
    assertThat(DnsBackendSource.retryDelay(1, min, ttl, 0.999)).isEqualTo(min);
    assertThat(DnsBackendSource.retryDelay(1, min, ttl, 0.0)).as("never below minTtl").isEqualTo(min);
    assertThat(DnsBackendSource.retryDelay(2, min, ttl, 1.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(DnsBackendSource.retryDelay(3, min, ttl, 0.0)).as("jitter: half of 400 ms").isEqualTo(Duration.ofMillis(200));
    assertThat(DnsBackendSource.retryDelay(4, min, ttl, 1.0)).isEqualTo(Duration.ofMillis(800));
    for (int failures = 5; failures < 200; failures++) {
      assertThat(DnsBackendSource.retryDelay(failures, min, ttl, 1.0)).as("capped at the TTL").isEqualTo(ttl);
      assertThat(DnsBackendSource.retryDelay(failures, min, ttl, 0.5)).isBetween(Duration.ofMillis(500), ttl);
    }
    assertThat(DnsBackendSource.retryDelay(Integer.MAX_VALUE, min, ttl, 1.0)).isEqualTo(ttl);
    assertThat(DnsBackendSource.retryDelay(3, min, Duration.ofMillis(10), 1.0)).as("a cap below minTtl").isEqualTo(min);
  }

  @Test
  void srv_allPriorities_reportsEveryPriorityAsAFailoverTierWithWeightsPerTier() throws Exception {
    String service = "_http._tcp.lb4j.test.";
    dns.set(service, Type.SRV, srv(service, 20, 1000, 9999, "backup.lb4j.test."),
        srv(service, 10, 300, 8081, "a.lb4j.test."), srv(service, 10, 150, 8082, "b.lb4j.test."),
        srv(service, 20, 500, 9998, "backup2.lb4j.test."), srv(service, 30, 0, 8081, "again.lb4j.test."),
        srv(service, 30, 0, 7000, "last.lb4j.test."));
    dns.set("a.lb4j.test.", Type.A, a("a.lb4j.test.", 60, "127.0.0.21"));
    dns.set("b.lb4j.test.", Type.A, a("b.lb4j.test.", 60, "127.0.0.23"));
    dns.set("backup.lb4j.test.", Type.A, a("backup.lb4j.test.", 60, "127.0.0.25"));
    dns.set("backup2.lb4j.test.", Type.A, a("backup2.lb4j.test.", 60, "127.0.0.26"));
    dns.set("again.lb4j.test.", Type.A, a("again.lb4j.test.", 60, "127.0.0.21")); // the same backend as a.lb4j.test.
    dns.set("last.lb4j.test.", Type.A, a("last.lb4j.test.", 60, "127.0.0.27"));

    DnsBackendSource source = DnsBackendSource.srv(service).server(dns.address()).ipv6(false).allPriorities(true).build();
    assertThat(source.toString()).endsWith(", all priorities}");
    startPool(source);

    await("first list", () -> state().phase() == Phase.HEALTHY);
    assertThat(pool.view()).extracting(BackendView::backend)
        .extracting(b -> b.id() + " w" + b.weight() + " p" + b.metadata().get(DnsBackendSource.PRIORITY_KEY) + " srvw"
            + b.metadata().get(DnsBackendSource.SRV_WEIGHT_KEY))
        .as("lower priorities first, weights relative within a priority, a backend named twice kept in its"
            + " lowest priority")
        .containsExactly("127.0.0.21:8081 w100 p10 srvw300", "127.0.0.23:8082 w50 p10 srvw150",
            "127.0.0.25:9999 w100 p20 srvw1000", "127.0.0.26:9998 w50 p20 srvw500", "127.0.0.27:7000 w100 p30 srvw0");

    // The SRV priority is the backend's failover tier: priority 20 takes traffic only once 10 has no backend.
    assertThat(pool.view()).extracting(v -> v.backend().priority()).containsExactly(10, 10, 20, 20, 30);
    await("priority 10 in use", () -> pool.activePriority() == 10);
    assertThat(pickedPriorities(20)).containsOnly(10);
    pool.setEnabled("127.0.0.21:8081", false);
    pool.setEnabled("127.0.0.23:8082", false);
    await("failover to priority 20", () -> pool.activePriority() == 20);
    assertThat(pickedPriorities(20)).containsOnly(20);
    pool.setEnabled("127.0.0.23:8082", true);
    await("back to priority 10", () -> pool.activePriority() == 10);
    assertThat(pickedPriorities(20)).containsOnly(10);
  }

  private List<Integer> pickedPriorities(int picks) {
    List<Integer> tiers = new ArrayList<>();
    for (int i = 0; i < picks; i++) {
      Selection s = pool.select(RequestContext.EMPTY);
      assertThat(s.hasBackend()).as("a backend for pick %d", i).isTrue();
      tiers.add(s.backend().priority());
      s.release();
    }
    return tiers;
  }

  @Test
  void srv_mapsTargetsPortsAndWeightsOfTheLowestPriority() throws Exception {
    String service = "_http._tcp.lb4j.test.";
    dns.set(service, Type.SRV, srv(service, 10, 300, 8081, "a.lb4j.test."), srv(service, 10, 150, 8082, "b.lb4j.test."),
        srv(service, 10, 0, 8083, "c.lb4j.test."), srv(service, 20, 1000, 9999, "backup.lb4j.test."));
    dns.set("a.lb4j.test.", Type.A, a("a.lb4j.test.", 60, "127.0.0.21"), a("a.lb4j.test.", 60, "127.0.0.22"));
    dns.set("b.lb4j.test.", Type.A, a("b.lb4j.test.", 60, "127.0.0.23"));
    dns.set("c.lb4j.test.", Type.A, a("c.lb4j.test.", 60, "127.0.0.24"));
    dns.set("backup.lb4j.test.", Type.A, a("backup.lb4j.test.", 60, "127.0.0.25"));

    startPool(DnsBackendSource.srv(service).server(dns.address()).ipv6(false).build());

    await("first list", () -> state().phase() == Phase.HEALTHY);
    assertThat(pool.view()).extracting(BackendView::backend)
        .extracting(b -> b.id() + " w" + b.weight() + " " + b.metadata().get("dns.target") + " p"
            + b.metadata().get(DnsBackendSource.PRIORITY_KEY))
        .containsExactly("127.0.0.21:8081 w100 a.lb4j.test. p10", "127.0.0.22:8081 w100 a.lb4j.test. p10",
            "127.0.0.23:8082 w50 b.lb4j.test. p10", "127.0.0.24:8083 w1 c.lb4j.test. p10");
    assertThat(state().source()).isEqualTo("dns SRV " + service + " @127.0.0.1:" + dns.address().getPort());
  }

  @Test
  void truncatedUdpAnswer_isAskedAgainOverTcp() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 60, "127.0.0.31"));
    dns.truncateUdp(NAME);

    startPool(addresses().ipv6(false).build());

    await("list over TCP", () -> ids().equals(List.of("127.0.0.31:8080")));
    assertThat(dns.tcpQueries()).isPositive();
  }

  @Test
  void close_stopsTheResolverThread() throws Exception {
    dns.set(NAME, Type.A, a(NAME, 0, "127.0.0.1"));
    startPool(addresses().ipv6(false).minTtl(Duration.ofMillis(10)).build());
    await("first list", () -> state().phase() == Phase.HEALTHY);

    pool.close();

    assertThat(state().phase()).isEqualTo(Phase.CLOSED);
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("lb4j-dns-"));
    int queries = dns.queries(NAME, Type.A);
    assertThat(ids()).containsExactly("127.0.0.1:8080");
    assertThat(dns.queries(NAME, Type.A)).as("no query after close").isEqualTo(queries);
  }

  @Test
  void nextResolutionDelay_isTheSmallestTtlClampedToTheBounds() {
    Duration min = Duration.ofSeconds(1);
    Duration max = Duration.ofSeconds(300);
    assertThat(DnsBackendSource.nextResolutionDelay(0, min, max)).isEqualTo(min);
    assertThat(DnsBackendSource.nextResolutionDelay(1, min, max)).isEqualTo(Duration.ofSeconds(1));
    assertThat(DnsBackendSource.nextResolutionDelay(30, min, max)).isEqualTo(Duration.ofSeconds(30));
    assertThat(DnsBackendSource.nextResolutionDelay(300, min, max)).isEqualTo(max);
    assertThat(DnsBackendSource.nextResolutionDelay(301, min, max)).isEqualTo(max);
    assertThat(DnsBackendSource.nextResolutionDelay(Long.MAX_VALUE, min, max)).as("no records").isEqualTo(min);
  }

  @Test
  void srvWeight_mapsToZeroToHundredRelativeToTheLargest() {
    assertThat(DnsRecordMapper.weight(65_535, 65_535)).isEqualTo(100);
    assertThat(DnsRecordMapper.weight(1, 65_535)).isEqualTo(1);
    assertThat(DnsRecordMapper.weight(50, 100)).isEqualTo(50);
    assertThat(DnsRecordMapper.weight(1, 3)).isEqualTo(34);
    assertThat(DnsRecordMapper.weight(0, 10)).as("RFC 2782: a very small chance").isEqualTo(1);
    assertThat(DnsRecordMapper.weight(0, 0)).as("all zero: equal shares").isEqualTo(100);
  }

  @Test
  void builder_validatesEachValueAndTheCombination() {
    assertThatThrownBy(() -> DnsBackendSource.addresses("web..internal", 80))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dns.name must be a valid DNS name, was 'web..internal' (");
    assertThatThrownBy(() -> DnsBackendSource.srv("")).hasMessageStartingWith("dns.name must be a valid DNS name, was '' (");
    assertThatThrownBy(() -> DnsBackendSource.addresses("web", 0)).hasMessage("dns.port must be between 1 and 65535, was 0");
    assertThatThrownBy(() -> DnsBackendSource.addresses("web", 65_536)).hasMessage("dns.port must be between 1 and 65535, was 65536");
    DnsBackendSource.Builder b = DnsBackendSource.addresses("web", 65_535);
    assertThatThrownBy(() -> b.minTtl(Duration.ofMillis(9))).hasMessage("dns.minTtl must be between 10ms and 86400s, was 9ms");
    assertThatThrownBy(() -> b.maxTtl(Duration.ofSeconds(86_401))).hasMessage("dns.maxTtl must be between 10ms and 86400s, was 86401s");
    assertThatThrownBy(() -> b.queryTimeout(Duration.ofSeconds(61))).hasMessage("dns.queryTimeout must be between 10ms and 60s, was 61s");
    b.minTtl(Duration.ofSeconds(10)).maxTtl(Duration.ofSeconds(9));
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("dns.maxTtl must be at least dns.minTtl (10s), was 9s");
    b.maxTtl(Duration.ofSeconds(10)).ipv4(false).ipv6(false);
    assertThatThrownBy(b::build).hasMessage("dns.ipv4 and dns.ipv6 must not both be off");
    assertThat(b.ipv6(true).server(dns.address()).build().description())
        .isEqualTo("dns AAAA web. port 65535 @127.0.0.1:" + dns.address().getPort());
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after 30s waiting for: " + what);
      }
      LockSupport.parkNanos(5_000_000);
    }
  }
}
