package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
 * in lb-benchmarks: about 1.5 KiB plain, 9.2 KiB TLS.)
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
              buffers += ((TlsTransport) c.clientTransport()).heldBuffers();
              codecs += c.holdsCodec() ? 1 : 0;
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

  /**
   * The merge of the codec pool with the per-request {@link Exchange}: the codec a connection borrows at a
   * head's first byte is the one its exchange's forwarders use, and it comes back exactly once however the
   * connection stops needing it (idle after keep-alive and pipelined requests, a partial head then a close, a
   * close in the middle of an exchange). Everything here runs one after the other on one loop, so a codec
   * given back is the next one taken: a leak leaves the pool empty, a double return leaves two in it.
   */
  @Test
  void plainConnections_returnTheirCodecOnce_whenIdlePartialOrClosedMidExchange() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(io.lb4j.api.Listener.builder("idle-codec", Protocol.HTTP, 0),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).keepAliveTimeout(Duration.ofMinutes(5))
            .build().start();
        RawHttpClient keepAlive = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 3; i++) {
        assertThat(keepAlive.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      }
      keepAlive.send("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(keepAlive.read().status()).isEqualTo(200);
      assertThat(keepAlive.read().status()).isEqualTo(200);
      Await.until("five responses accounted", () -> server.metrics().responses(2) == 5);
      assertThat(codecs(server)).as("connections holding a codec, pooled codecs").containsExactly(0, 1);

      try (RawHttpClient partial = RawHttpClient.connect(server.localAddress())) {
        partial.send("GET /partial HTTP/1.1\r\nHost: x\r\n");
        Await.until("the partial head holds a codec", () -> codecsOnLoop(server)[0] == 1);
      }
      Await.until("the partial head's connection closed", () -> server.metrics().connectionsActive() == 1);
      assertThat(codecs(server)).as("after a partial head and a close").containsExactly(0, 1);

      CountDownLatch answer = new CountDownLatch(1);
      a.handler((req, socket, out) -> {
        try {
          answer.await(30, TimeUnit.SECONDS); // the response never starts while the client is there
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return false;
      });
      Socket reset = new Socket(Fixtures.LOOPBACK, server.localAddress().getPort());
      try (RawHttpClient midExchange = new RawHttpClient(reset)) {
        midExchange.send("GET /stalled HTTP/1.1\r\nHost: x\r\n\r\n");
        Await.until("the backend holds the request", () -> a.requests.size() == 6);
        reset.setSoLinger(true, 0); // a reset, not a half-close: the listener ends the exchange at once
      }
      Await.until("the mid-exchange connection closed", () -> server.metrics().connectionsActive() == 1);
      answer.countDown();
      assertThat(codecs(server)).as("after a close in the middle of an exchange").containsExactly(0, 1);
    }
  }

  /** Connections of loop 0 holding a codec, and the loop's pooled codecs. */
  private static List<Integer> codecs(ListenerServer server) throws Exception {
    int[] c = codecsOnLoop(server);
    return List.of(c[0], c[1]);
  }

  private static int[] codecsOnLoop(ListenerServer server) {
    try {
      return onLoop(server, () -> {
        Set<Object> holding = Collections.newSetFromMap(new IdentityHashMap<>()); // a connection has 2 keys
        for (SelectionKey key : server.eventLoop(0).selector().keys()) {
          Object a = key.attachment();
          if (key.isValid() && a instanceof HttpProxyConnection && ((HttpProxyConnection) a).holdsCodec()) {
            holding.add(a);
          }
        }
        return new int[] {holding.size(), server.eventLoop(0).exchangeCodecs().pooled()};
      });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static int[] onLoop(ListenerServer server, java.util.function.Supplier<int[]> read) throws Exception {
    CompletableFuture<int[]> result = new CompletableFuture<>();
    server.eventLoop(0).execute(() -> result.complete(read.get()));
    return result.get(30, TimeUnit.SECONDS);
  }
}
