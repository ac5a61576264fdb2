package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import java.nio.channels.SelectionKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 2 of issue 17, heavy per-connection memory: {@code TlsTransport} allocated three heap buffers per
 * connection when it opened (53-75 KiB per idle TLS connection), and each HTTP connection kept its
 * parsers (about 3 KiB) for life. Now the TLS buffers come from the loop while bytes are in flight and
 * the codec state from the first byte of a head until the connection is idle: an idle keep-alive
 * connection, TLS or not, holds neither. (What it still holds is measured by {@code IdleConnectionsHarness}
 * in lb-benchmarks: about 1.2 KiB plain, 9 KiB TLS.)
 */
class IdleConnectionMemoryTest {

  @Test
  void idleTlsKeepAliveConnections_holdNoTlsBufferAndNoCodec(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    List<SSLSocket> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(io.lb4j.api.Listener.builder("idle-tls", Protocol.HTTPS, 0),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1)
            .sslContext(PemSsl.serverContext(certs.keyPem, certs.chainPem)).build().start()) {
      try {
        for (int i = 0; i < 5; i++) {
          SSLSocket s = (SSLSocket) certs.clientContext().getSocketFactory()
              .createSocket(Fixtures.LOOPBACK, server.localAddress().getPort());
          clients.add(s);
          RawHttpClient c = new RawHttpClient(s);
          assertThat(c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        }
        Await.until("every response accounted", () -> server.metrics().responses(2) == 5);

        int[] held = onLoop(server, () -> {
          int connections = 0;
          int buffers = 0;
          int codecs = 0;
          for (SelectionKey key : server.eventLoop(0).selector().keys()) {
            if (key.attachment() instanceof HttpProxyConnection) {
              HttpProxyConnection c = (HttpProxyConnection) key.attachment();
              connections++;
              buffers += ((TlsTransport) c.client).heldBuffers();
              codecs += c.codec != null ? 1 : 0;
            }
          }
          return new int[] {connections, buffers, codecs};
        });

        assertThat(held[0]).as("idle client connections").isEqualTo(5);
        assertThat(held[1]).as("TLS buffers held by idle connections").isZero();
        assertThat(held[2]).as("codecs held by idle connections").isZero();
      } finally {
        for (SSLSocket s : clients) {
          s.close();
        }
      }
    }
  }

  private static int[] onLoop(ListenerServer server, java.util.function.Supplier<int[]> read) throws Exception {
    CompletableFuture<int[]> result = new CompletableFuture<>();
    server.eventLoop(0).execute(() -> result.complete(read.get()));
    return result.get(30, TimeUnit.SECONDS);
  }
}
