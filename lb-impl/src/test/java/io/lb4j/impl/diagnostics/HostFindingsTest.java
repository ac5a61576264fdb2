package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFindingsTest {

  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).responseTimeout(Duration.ofSeconds(1)).build();
  private static final Listener TCP = Listener.builder("tcp", Protocol.TCP, 0).healthCheck(TRUSTED).build();
  private static final Listener WEB = Listener.builder("web", Protocol.HTTP, 0).healthCheck(TRUSTED).build();

  @TempDir
  Path proc;
  private final Loop loop = new Loop();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  private void write(String relative, String... lines) {
    try {
      Path p = proc.resolve(relative);
      Files.createDirectories(p.getParent());
      Files.write(p, List.of(lines));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A quiet host: every file the host findings read, with nothing to report. */
  private void quietHost() {
    for (String iface : List.of("all", "default", "lo", "eth0")) {
      write("sys/net/ipv4/conf/" + iface + "/rp_filter", "0");
    }
    write("net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
        "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0");
    netstat(0, 0);
    write("sys/net/core/somaxconn", "4096");
    write("sys/net/ipv4/ip_local_port_range", "32768\t60999");
    write("sys/net/ipv4/tcp_tw_reuse", "2");
    write("net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid");
    write("net/tcp6", "  sl  local_address                         remote_address                        st");
  }

  private void netstat(long overflows, long drops) {
    write("net/netstat", "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts",
        "TcpExt: 0 " + overflows + " " + drops + " 7", "IpExt: InNoRoutes", "IpExt: 0");
  }

  private Diagnostics diagnostics() {
    return Diagnostics.builder().procRoot(proc).timeWaitThreshold(3).build();
  }

  private List<Finding> hostFindings(Report report) {
    return report.findings().stream().filter(f -> f.subject().equals("host") || f.subject().startsWith("host ")
        || f.code() == FindingCode.TIME_WAIT_PILE_UP || f.code() == FindingCode.BACKLOG_ABOVE_SOMAXCONN).toList();
  }

  @Test
  void aQuietHostIsSilent() {
    quietHost();
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80), Backend.of("b", "10.0.0.5", 80));

    assertThat(hostFindings(diagnostics().examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000)
        .build())))).isEmpty();
  }

  @Test
  void rpFilter_onALayer4Pool_namesEachSettingAndTheSysctlLines() {
    quietHost();
    write("sys/net/ipv4/conf/all/rp_filter", "1");
    write("sys/net/ipv4/conf/lo/rp_filter", "2");
    write("sys/net/ipv4/conf/eth0/rp_filter", "1");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80), Backend.of("b", "10.0.0.5", 80));

    Finding f = only(diagnostics().examine(pool), FindingCode.RP_FILTER);

    assertThat(f.evidence()).containsEntry("net.ipv4.conf.all.rp_filter", "1")
        .containsEntry("net.ipv4.conf.eth0.rp_filter", "1").containsEntry("net.ipv4.conf.lo.rp_filter", "2")
        .doesNotContainKey("net.ipv4.conf.default.rp_filter");
    assertThat(f.fix()).startsWith("Add to /etc/sysctl.conf and run 'sysctl -p': net.ipv4.conf.all.rp_filter = 0;"
        + " net.ipv4.conf.eth0.rp_filter = 0; net.ipv4.conf.lo.rp_filter = 0.");
  }

  @Test
  void rpFilter_silentForALayer7Pool() {
    quietHost();
    write("sys/net/ipv4/conf/all/rp_filter", "1");
    LoadBalancer pool = loop.pool(WEB, Backend.of("a", Loop.host(), 80));

    assertThat(diagnostics().examine(pool).findings(FindingCode.RP_FILTER)).isEmpty();
  }

  @Test
  void rpFilter_anUnreadableInterfaceIsReportedNotThrown() throws IOException {
    quietHost();
    Files.delete(proc.resolve("sys/net/ipv4/conf/lo/rp_filter"));
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));

    Finding f = only(diagnostics().examine(pool), FindingCode.SOURCE_UNAVAILABLE);

    assertThat(f.summary()).isEqualTo("rp_filter of interface lo could not be read");
    assertThat(f.evidence().get("source")).endsWith("sys/net/ipv4/conf/lo/rp_filter");
  }

  @Test
  void interfaceFor_longestPrefixOfTheRouteTable() throws Exception {
    List<String> routes = List.of("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask",
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000",
        "eth1\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF",
        "eth2\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF");

    assertThat(HostFindings.interfaceFor(InetAddress.getByName("10.0.1.7"), routes)).isEqualTo("eth2");
    assertThat(HostFindings.interfaceFor(InetAddress.getByName("10.9.9.9"), routes)).isEqualTo("eth1");
    assertThat(HostFindings.interfaceFor(InetAddress.getByName("8.8.8.8"), routes)).isEqualTo("eth0");
    assertThat(HostFindings.interfaceFor(InetAddress.getByName("127.3.0.1"), routes)).isEqualTo("lo");
    assertThat(HostFindings.interfaceFor(InetAddress.getByName("::2"), routes)).isNull();
  }

  @Test
  void acceptQueueOverflow_reportedWhenTheCountersGrow_notWhileTheyStand() {
    quietHost();
    netstat(3, 4);
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));
    Diagnostics diagnostics = diagnostics();

    assertThat(diagnostics.examine(pool).findings(FindingCode.ACCEPT_QUEUE_OVERFLOW)).as("the baseline").isEmpty();
    netstat(5, 7);
    Finding f = only(diagnostics.examine(pool), FindingCode.ACCEPT_QUEUE_OVERFLOW);
    assertThat(f.evidence()).containsEntry("ListenOverflows", "3 -> 5").containsEntry("ListenDrops", "4 -> 7")
        .containsEntry("net.core.somaxconn", "4096");
    assertThat(diagnostics.examine(pool).findings(FindingCode.ACCEPT_QUEUE_OVERFLOW)).as("unchanged").isEmpty();
  }

  @Test
  void acceptQueueOverflow_realListenerWithAFullQueue() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/net/netstat")), "Linux /proc");
    Diagnostics diagnostics = Diagnostics.builder().build();
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));
    diagnostics.examine(pool); // the baseline
    try (ServerSocketChannel full = ServerSocketChannel.open()) {
      full.bind(new InetSocketAddress(Loop.host(), 0), 1); // never accepts: the queue fills after two
      for (int i = 0; i < 10; i++) {
        SocketChannel c = loop.track(SocketChannel.open());
        c.configureBlocking(false);
        c.connect(full.getLocalAddress()); // the kernel drops the SYNs the full queue cannot take
      }

      Loop.await("accept-queue-overflow reported", () -> !diagnostics.examine(pool)
          .findings(FindingCode.ACCEPT_QUEUE_OVERFLOW).isEmpty());
    }
  }

  @Test
  void backlogAboveSomaxconn() {
    quietHost();
    write("sys/net/core/somaxconn", "128");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));

    Finding f = only(diagnostics().examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000).build())),
        FindingCode.BACKLOG_ABOVE_SOMAXCONN);

    assertThat(f.evidence()).containsEntry("acceptBacklog", "1024").containsEntry("net.core.somaxconn", "128");
    assertThat(f.fix()).startsWith("Run 'sysctl -w net.core.somaxconn=1024'");
  }

  @Test
  void backlogAboveSomaxconn_readFromTheRealHost() throws IOException {
    Path real = Path.of("/proc/sys/net/core/somaxconn");
    assumeTrue(Files.isReadable(real), "Linux /proc");
    // readAllLines, not readString: /proc files report size 0 and readString can return a truncated value.
    int somaxconn = Integer.parseInt(Files.readAllLines(real).get(0).trim());
    assumeTrue(somaxconn < 65535, "somaxconn below the largest backlog");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));
    Diagnostics diagnostics = Diagnostics.builder().build();

    Report above = diagnostics.examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000)
        .acceptBacklog(somaxconn + 1).build()));
    Report at = diagnostics.examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000)
        .acceptBacklog(somaxconn).build()));

    assertThat(only(above, FindingCode.BACKLOG_ABOVE_SOMAXCONN).evidence())
        .containsEntry("net.core.somaxconn", String.valueOf(somaxconn));
    assertThat(at.findings(FindingCode.BACKLOG_ABOVE_SOMAXCONN)).isEmpty();
  }

  @Test
  void backlogAboveSomaxconn_silentAtTheCap() {
    quietHost();
    write("sys/net/core/somaxconn", "1024");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));

    assertThat(diagnostics().examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000).build()))
        .findings(FindingCode.BACKLOG_ABOVE_SOMAXCONN)).isEmpty();
  }

  @Test
  void timeWait_countsBothTablesTowardsTheBackendOnly() {
    quietHost();
    // 127.1.200.1:8080 is 0100C87F:1F90 in the kernel's byte order; ::ffff:127.1.200.1 the same in tcp6.
    write("net/tcp", "  sl  local_address rem_address   st",
        "   0: 0100007F:9C40 01C8017F:1F90 06 00000000:00000000",
        "   1: 0100007F:9C41 01C8017F:1F90 06 00000000:00000000",
        "   2: 0100007F:9C42 01C8017F:1F90 01 00000000:00000000",
        "   3: 0100007F:9C43 01C8017F:1F91 06 00000000:00000000");
    write("net/tcp6", "  sl  local_address                         remote_address                        st",
        "   0: 0000000000000000FFFF00000100007F:9C44 0000000000000000FFFF000001C8017F:1F90 06 0");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", "127.1.200.1", 8080));

    Finding f = only(diagnostics().examine(pool), FindingCode.TIME_WAIT_PILE_UP);

    assertThat(f.evidence()).containsEntry("timeWaitSockets", "3").containsEntry("threshold", "3")
        .containsEntry("backend", "127.1.200.1:8080")
        .containsEntry("net.ipv4.ip_local_port_range", "32768 60999 (28232 ports)")
        .containsEntry("net.ipv4.tcp_tw_reuse", "2")
        .containsEntry("establishedSockets", "1");
    assertThat(f.fix()).contains("keep-alive").contains("SO_LINGER 0");
    assertThat(Diagnostics.builder().procRoot(proc).timeWaitThreshold(4).build().examine(pool)
        .findings(FindingCode.TIME_WAIT_PILE_UP)).as("one below the threshold").isEmpty();
  }

  @Test
  void socketTableFields_areFoundWhateverTheWhitespace() {
    String line = " \t 12:  0100007F:9C40\t01C8017F:1F90   06 rest";
    int remote = HostFindings.fieldStart(line, 0, 2);
    int remoteEnd = HostFindings.fieldEnd(line, remote);
    assertThat(line.substring(remote, remoteEnd)).isEqualTo("01C8017F:1F90");
    int st = HostFindings.fieldStart(line, remoteEnd, 0);
    assertThat(line.substring(st, HostFindings.fieldEnd(line, st))).isEqualTo("06");
    assertThat(HostFindings.fieldStart(line, 0, 4)).isEqualTo(line.indexOf("rest"));
    assertThat(HostFindings.fieldStart(line, 0, 5)).as("past the last field").isEqualTo(-1);
    assertThat(HostFindings.fieldStart("   ", 0, 0)).as("a blank line").isEqualTo(-1);
    assertThat(HostFindings.fieldStart("a b", -1, 0)).isEqualTo(-1);
    assertThat(HostFindings.fieldEnd("a b", -1)).isEqualTo(-1);
  }

  @Test
  void timeWait_countsShortAndOddLinesOut() {
    quietHost();
    write("net/tcp", "  sl  local_address rem_address   st",
        "",
        "   0: 0100007F:9C40 01C8017F:1F90",
        "   1: 0100007F:9C41 01C8017F:1F90 06",
        "   2: 0100007F:9C42 01C8017F:1F90 066 0",
        "   3: 0100007F:9C43 01C8017F 06 0",
        "   4: 0100007F:9C44 ZZ:1F90 06 0",
        "   5: 0100007F:9C45 01C8017F:1F90 06 0");
    write("net/tcp6", "  sl  local_address remote_address st");
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", "127.1.200.1", 8080));

    Report report = Diagnostics.builder().procRoot(proc).timeWaitThreshold(2).build().examine(pool);

    assertThat(only(report, FindingCode.TIME_WAIT_PILE_UP).evidence()).containsEntry("timeWaitSockets", "2");
    assertThat(Diagnostics.builder().procRoot(proc).timeWaitThreshold(3).build().examine(pool)
        .findings(FindingCode.TIME_WAIT_PILE_UP)).as("lines 0, 2, 3 and 4 are not counted").isEmpty();
  }

  @Test
  void timeWait_realSockets_whenThisHostClosesFirst() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "Linux /proc");
    try (ClosingServer server = new ClosingServer(Loop.host())) {
      for (int i = 0; i < 20; i++) {
        new Socket(server.host, server.port()).close(); // we send the first FIN: our side keeps TIME_WAIT
      }
      Loop.await("the server saw 20 clients close", () -> server.closed.get() == 20);
      LoadBalancer pool = loop.pool(TCP, Backend.of("a", server.host, server.port()));

      // Not all 20 are sure to stay: a TIME_WAIT socket that receives a reset is freed at once (RFC 1337's
      // assassination, which Linux allows unless net.ipv4.tcp_rfc1337 is set), and on a busy loopback a
      // retransmitted FIN draws one from the closed server now and then (seen in about 1 run of 30).
      Diagnostics diagnostics = Diagnostics.builder().timeWaitThreshold(15).build();

      // The server's FIN is on its way when it counts a close; the kernel moves our side to TIME_WAIT on receipt.
      Loop.await("15 sockets in TIME_WAIT", () -> !diagnostics.examine(pool).findings(FindingCode.TIME_WAIT_PILE_UP)
          .isEmpty());
      Map<String, String> evidence = only(diagnostics.examine(pool), FindingCode.TIME_WAIT_PILE_UP).evidence();
      String counted = evidence.get("timeWaitSockets");
      assertThat(Integer.parseInt(counted)).isBetween(15, 20);
      assertThat(evidence.get("establishedSockets"))
          .isEqualTo("0 (connections look unpooled: " + counted + " closed recently for 0 open)");
    }
  }

  @Test
  void timeWait_realSockets_silentWhenTheBackendClosesFirst() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "Linux /proc");
    try (ClosingServer server = new ClosingServer(Loop.host())) {
      server.closeFirst = true;
      for (int i = 0; i < 20; i++) {
        try (Socket s = new Socket(server.host, server.port())) {
          assertThat(s.getInputStream().read()).isEqualTo(-1); // the backend's FIN came first
        }
      }
      LoadBalancer pool = loop.pool(TCP, Backend.of("a", server.host, server.port()));

      Report report = Diagnostics.builder().timeWaitThreshold(1).build().examine(pool);

      assertThat(report.findings(FindingCode.TIME_WAIT_PILE_UP)).isEmpty();
    }
  }

  @Test
  void noProc_reportsThatItCouldNotLook_andTheOtherFindingsStillRun() {
    LoadBalancer pool = loop.pool(TCP);

    Report report = Diagnostics.builder().procRoot(proc.resolve("missing")).build().examine(pool);

    Finding f = only(report, FindingCode.SOURCE_UNAVAILABLE);
    assertThat(f.summary()).startsWith("host checks (rp_filter, accept queues, somaxconn, TIME_WAIT) skipped");
    assertThat(f.severity()).isEqualTo(Severity.INFO);
    assertThat(report.findings(FindingCode.NO_ELIGIBLE_BACKEND)).hasSize(1);
  }

  @Test
  void missingFiles_eachReportedAsUnavailable() {
    write("sys/net/ipv4/conf/all/rp_filter", "0"); // a /proc with almost nothing in it
    LoadBalancer pool = loop.pool(TCP, Backend.of("a", Loop.host(), 80));

    Report report = diagnostics().examine(pool, List.of(ListenerSnapshot.builder(TCP, "0.0.0.0", 9000).build()));

    assertThat(report.findings(FindingCode.SOURCE_UNAVAILABLE)).extracting(Finding::summary).containsExactlyInAnyOrder(
        "rp_filter of interface default could not be read", "rp_filter of interface lo could not be read",
        "accept-queue counters could not be read", "net.core.somaxconn could not be read",
        "TCP socket tables (net/tcp, net/tcp6) could not be read");
  }

  /** Accepts connections and closes each after the client did (or first, with {@link #closeFirst}). */
  private static final class ClosingServer implements AutoCloseable {
    final String host;
    final AtomicInteger closed = new AtomicInteger();
    volatile boolean closeFirst;
    private final ServerSocket socket;

    ClosingServer(String host) throws IOException {
      this.host = host;
      this.socket = new ServerSocket(0, 50, InetAddress.getByName(host));
      Thread t = new Thread(this::serve, "test-closing-" + host);
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket c = socket.accept()) {
          if (!closeFirst) {
            InputStream in = c.getInputStream();
            while (in.read() >= 0) {
              // until the client's FIN
            }
          }
        } catch (IOException e) {
          return;
        }
        closed.incrementAndGet();
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
