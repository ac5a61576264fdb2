package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 9 (first bullet): client-initiated TLS renegotiation was accepted; one client forced 247
 * full handshakes in 5 s, each run inline on the event loop. Now a TLS 1.2 client that starts a second
 * handshake on a connection has that connection closed, as nginx and HAProxy do; the listener keeps
 * serving everyone else. TLS 1.3 has no renegotiation: a key update (what the JDK's client sends when
 * asked for a new handshake on TLS 1.3) is processed and the connection goes on.
 */
class TlsRenegotiationRefusedTest {

  private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

  @Test
  void tls12ClientStartingASecondHandshake_isClosed_andTheListenerServesOthers(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(Listener.builder("reneg", Protocol.HTTPS, 0), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1)
            .sslContext(PemSsl.serverContext(certs.keyPem, certs.chainPem)).build().start()) {
      try (SSLSocket s = client(certs, server, "TLSv1.2")) {
        RawHttpClient c = new RawHttpClient(s);
        assertThat(c.send(GET).read().status()).isEqualTo(200);
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");

        assertThatThrownBy(() -> {
          s.startHandshake(); // the renegotiation: the server closes instead of answering its ClientHello
          c.send(GET).read();
        }).isInstanceOfAny(IOException.class, UncheckedIOException.class); // closed with a reset
      }
      assertThat(a.requests).hasSize(1);

      try (SSLSocket other = client(certs, server, "TLSv1.2")) {
        assertThat(new RawHttpClient(other).send(GET).read().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void tls13ClientAskingForANewHandshake_sendsAKeyUpdate_andKeepsBeingServed(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(Listener.builder("keyupdate", Protocol.HTTPS, 0),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1)
            .sslContext(PemSsl.serverContext(certs.keyPem, certs.chainPem)).build().start();
        SSLSocket s = client(certs, server, "TLSv1.3")) {
      RawHttpClient c = new RawHttpClient(s);
      assertThat(c.send(GET).read().status()).isEqualTo(200);

      s.startHandshake(); // TLS 1.3: a KeyUpdate, not a handshake

      assertThat(c.send(GET).read().status()).isEqualTo(200);
      assertThat(a.requests).hasSize(2);
    }
  }

  private static SSLSocket client(TestCertificates certs, ListenerServer server, String protocol) throws Exception {
    SSLSocket s = (SSLSocket) certs.clientContext().getSocketFactory()
        .createSocket(Fixtures.LOOPBACK, server.localAddress().getPort());
    s.setEnabledProtocols(new String[] {protocol});
    s.setSoTimeout(30_000);
    s.startHandshake();
    return s;
  }
}
