package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.persistence.SessionPersistence;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * h2 over TLS chosen by ALPN, with the JDK's own HTTP/2 client (an implementation independent of lb4j's):
 * requests, uploads, concurrent streams and session cookies; and HTTP/1.1 only when the listener's
 * {@code http2} setting is off.
 */
class Http2TlsAlpnTest {

  private static HttpClient client(SSLContext ctx) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ctx)
        .connectTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void alpnChoosesH2_andRequestsAreServed(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(Listener.builder("h2-tls", Protocol.HTTPS, 0)
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10))), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).sslContext(PemSsl.serverContext(certs.keyPem, certs.chainPem))
            .build().start()) {
      HttpClient client = client(certs.clientContext());
      URI base = URI.create("https://127.0.0.1:" + server.localAddress().getPort());
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/tls?x=1")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("GET /tls?x=1 HTTP/1.1\r\n");
      assertThat(r.headers().firstValue("set-cookie")).hasValueSatisfying(c -> assertThat(c).endsWith("; Secure"));
      assertThat(a.requests.get(0).header("X-Forwarded-Proto")).isEqualTo("https");

      byte[] upload = new byte[500_000];
      new java.util.Random(3).nextBytes(upload);
      HttpResponse<byte[]> posted = client.send(HttpRequest.newBuilder(base.resolve("/up"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(posted.statusCode()).isEqualTo(200);
      byte[] echoed = posted.body();
      assertThat(java.util.Arrays.equals(java.util.Arrays.copyOfRange(echoed, echoed.length - upload.length,
          echoed.length), upload)).as("the upload reached the backend byte for byte").isTrue();

      // 100 at once, the listener's SETTINGS_MAX_CONCURRENT_STREAMS (the JDK 17 client fails streams over it).
      List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        many.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/" + i)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < many.size(); i++) {
        HttpResponse<String> each = many.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(each.statusCode()).isEqualTo(200);
        assertThat(each.body()).startsWith("GET /" + i + " HTTP/1.1\r\n");
      }
      assertThat(server.metrics().http2().connections()).isEqualTo(1);
    }
  }

  @Test
  void http2Off_alpnOffersHttp11Only(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate(dir);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(Listener.builder("h2-tls-off", Protocol.HTTPS, 0).http2(false),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).sslContext(PemSsl.serverContext(certs.keyPem, certs.chainPem))
            .build().start()) {
      HttpResponse<String> r = client(certs.clientContext()).send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + server.localAddress().getPort() + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.body()).isEqualTo("a");
      // A client that can speak only h2 finds no protocol in common.
      SSLSocket s = (SSLSocket) certs.clientContext().getSocketFactory().createSocket(
          server.localAddress().getAddress(), server.localAddress().getPort());
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      try (s) {
        assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
      }
      assertThat(server.metrics().http2().connections()).isZero();
    }
  }
}
