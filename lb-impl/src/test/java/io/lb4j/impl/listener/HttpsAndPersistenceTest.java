package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsAndPersistenceTest {

  private static RawHttpClient tlsClient(SSLContext ctx, ListenerServer server) throws Exception {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(server.localAddress().getAddress(),
        server.localAddress().getPort());
    s.startHandshake();
    return new RawHttpClient(s);
  }

  @Test
  void https_servesRequestsWithAPemKeyAndChainGeneratedInTheTest(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    SSLContext serverTls = PemSsl.serverContext(certs.keyPem, certs.chainPem);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-tls", Protocol.HTTPS, 0)
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10))),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).sslContext(serverTls).build().start();
        RawHttpClient c = tlsClient(certs.clientContext(), server)) {
      byte[] big = new byte[200_000];
      new java.util.Random(5).nextBytes(big);
      for (int i = 0; i < 3; i++) {
        Response r = c.send("POST /tls HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n").send(big).read();
        assertThat(r.status()).isEqualTo(200);
        byte[] tail = java.util.Arrays.copyOfRange(r.body(), r.body().length - big.length, r.body().length);
        assertThat(tail).isEqualTo(big);
        if (i == 0) {
          assertThat(r.header("Set-Cookie")).startsWith("LB4J_SESSION=").endsWith("; Secure");
        }
      }
      assertThat(a.requests.get(0).header("X-Forwarded-Proto")).isEqualTo("https");
      assertThat(a.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void https_withoutAContext_isRefusedAtBuild() {
    try (LoadBalancer pool = Fixtures.pool(Listener.builder("l7-tls-missing", Protocol.HTTPS, 0))) {
      assertThatThrownBy(() -> Fixtures.server(pool).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("listenerServer.sslContext is required for an HTTPS listener (listener l7-tls-missing)");
    }
  }

  @Test
  void pemLoader_namesWhatIsMissing() {
    assertThatThrownBy(() -> PemSsl.serverContext("no key here", "no cert"))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessage("privateKeyPem must hold exactly one '-----BEGIN PRIVATE KEY-----' block (PKCS#8, unencrypted), was 0");
  }

  @Test
  void insertedCookie_keepsAClientOnItsBackend_andIsSetOnlyWhenNeeded() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a"); HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-cookie", Protocol.HTTP, 0)
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10))),
            Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Set<String> firstPicks = new HashSet<>();
      for (int client = 0; client < 4; client++) {
        Response first = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
        String setCookie = first.header("Set-Cookie");
        assertThat(setCookie).startsWith("LB4J_SESSION=").doesNotContain("Secure");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        firstPicks.add(first.bodyText());
        for (int i = 0; i < 5; i++) {
          Response again = c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: theme=dark; " + cookie + "\r\n\r\n").read();
          assertThat(again.bodyText()).isEqualTo(first.bodyText());
          assertThat(again.header("Set-Cookie")).isNull();
        }
      }
      assertThat(firstPicks).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void serverCookie_routesRequestsCarryingItToTheBackendThatSetIt() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.respond(200, "Set-Cookie: sid=from-a; Path=/\r\n", "a"));
        HttpTestBackend b = new HttpTestBackend("127.0.0.1", HttpTestBackend.respond(200, "Set-Cookie: sid=from-b; Path=/\r\n", "b"));
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-srvcookie", Protocol.HTTP, 0)
            .sessionPersistence(SessionPersistence.serverCookie("sid")),
            Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int round = 0; round < 2; round++) {
        Response first = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
        String sid = first.header("Set-Cookie").split(";")[0];
        for (int i = 0; i < 4; i++) {
          assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + sid + "\r\n\r\n").read().bodyText())
              .isEqualTo(first.bodyText());
        }
      }
    }
  }
}
