package io.lb4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.lb4j.api.Backend;
import io.lb4j.api.HttpVersion;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.FailureCause;
import io.lb4j.impl.listener.ListenerServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real grpc-java server (Netty transport) behind an lb4j listener whose backends speak h2c, and a real
 * grpc-java client in front of it (h2c with prior knowledge, or h2 by ALPN over TLS): unary and bidirectional
 * streaming calls end to end with their trailers, a backend that is down (UNAVAILABLE), one that does not answer (DEADLINE_EXCEEDED,
 * from the listener's request timeout, and a client deadline forwarded as {@code grpc-timeout}), and many
 * concurrent calls over one client connection.
 */
class GrpcThroughListenerTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final EchoService service = new EchoService();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private Server backend() throws IOException {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0)).addService(service.definition())
        .build().start();
    closing.add(() -> {
      server.shutdownNow();
      server.awaitTermination(10, TimeUnit.SECONDS);
    });
    return server;
  }

  private ListenerServer listener(String name, Duration requestTimeout, int... backendPorts) {
    Listener listener = Listener.builder(name, Protocol.HTTP, 0).backendHttpVersion(HttpVersion.HTTP_2)
        .requestTimeout(requestTimeout).healthCheck(HealthCheckPolicy.disabled()).build();
    LoadBalancers.Builder b = LoadBalancers.builder(listener);
    for (int i = 0; i < backendPorts.length; i++) {
      b.backend(Backend.of("g" + i, "127.0.0.1", backendPorts[i]));
    }
    LoadBalancer pool = b.build().start();
    closing.add(pool);
    ListenerServer server = ListenerServer.builder(pool).bindAddress(LOOPBACK).eventLoops(2).build().start();
    closing.add(server);
    return server;
  }

  private ManagedChannel channel(ListenerServer server) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(server.localAddress()).usePlaintext().build();
    closing.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    return channel;
  }

  @Test
  void unaryCalls_roundTripThroughTheListener() throws IOException {
    Server backend = backend();
    ListenerServer server = listener("grpc-unary", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    Random random = new Random(21);
    for (int i = 0; i < 50; i++) {
      byte[] request = new byte[random.nextInt(200_000)];
      random.nextBytes(request);
      byte[] response = ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, request);
      assertThat(Arrays.equals(response, request)).as("echo %d of %d bytes", i, request.length).isTrue();
    }
    assertThat(service.calls).hasSize(50);
    assertThat(server.metrics().responses(2)).isEqualTo(50);
  }

  @Test
  void bidiStreaming_everyMessageComesBackAndTheCallEndsOk() throws Exception {
    Server backend = backend();
    ListenerServer server = listener("grpc-bidi", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    CountDownLatch firstEcho = new CountDownLatch(1);
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(EchoService.BIDI,
        CallOptions.DEFAULT), new StreamObserver<>() {
          @Override
          public void onNext(byte[] message) {
            synchronized (received) {
              received.writeBytes(message);
            }
            firstEcho.countDown();
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            ended.complete(Status.OK);
          }
        });
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    requests.onNext("first".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    sent.writeBytes("first".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    // The first echo comes back while the request stream is still open: a real bidirectional stream.
    assertThat(firstEcho.await(30, TimeUnit.SECONDS)).isTrue();
    Random random = new Random(5);
    for (int i = 0; i < 200; i++) {
      byte[] message = new byte[random.nextInt(8_000)];
      random.nextBytes(message);
      requests.onNext(message);
      sent.writeBytes(message);
    }
    requests.onCompleted();
    assertThat(ended.get(60, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    synchronized (received) {
      assertThat(Arrays.equals(received.toByteArray(), sent.toByteArray())).as("every byte echoed in order").isTrue();
    }
  }

  @Test
  void backendStatus_reachesTheClientInTrailers() throws IOException {
    Server backend = backend();
    ListenerServer server = listener("grpc-status", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoService.FAIL, CallOptions.DEFAULT,
        new byte[] {(byte) Status.Code.NOT_FOUND.value()}))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("as asked");
        });
  }

  @Test
  void backendDown_isUnavailable() throws Exception {
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, LOOPBACK)) {
      dead = s.getLocalPort();
    }
    ListenerServer server = listener("grpc-down", Duration.ofSeconds(30), dead);
    ManagedChannel channel = channel(server);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT,
        new byte[] {1}))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("no backend accepted the connection");
        });
    assertThat(server.metrics().failures(FailureCause.CONNECT_FAILED)).isEqualTo(1);
  }

  @Test
  void backendStoppedMidway_nextCallsAreUnavailable() throws Exception {
    Server backend = backend();
    ListenerServer server = listener("grpc-stopped", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    assertThat(ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, new byte[] {7}))
        .containsExactly(7);
    backend.shutdownNow();
    assertThat(backend.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT,
        new byte[] {1}))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void silentBackend_listenerRequestTimeoutIsDeadlineExceeded() throws IOException {
    Server backend = backend();
    ListenerServer server = listener("grpc-silent", Duration.ofSeconds(1), backend.getPort());
    ManagedChannel channel = channel(server);
    // No client deadline: the DEADLINE_EXCEEDED can only come from the listener.
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoService.HANG, CallOptions.DEFAULT,
        new byte[] {1}))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).contains("did not answer within 1s");
        });
    assertThat(server.metrics().gatewayTimeouts()).isEqualTo(1);
    await("the backend's call is cancelled when the listener gives up", () -> service.hangsCancelled.get() == 1);
  }

  @Test
  void clientDeadline_isForwardedAsGrpcTimeout() throws IOException {
    Server backend = backend();
    ListenerServer server = listener("grpc-deadline", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoService.HANG,
        CallOptions.DEFAULT.withDeadlineAfter(800, TimeUnit.MILLISECONDS), new byte[] {1}))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(service.hangDeadlines).hasSize(1);
    assertThat(service.hangDeadlines.get(0)).isNotNull();
    assertThat(service.hangDeadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(800);
    await("the backend's call is cancelled once the deadline passed", () -> service.hangsCancelled.get() == 1);
  }

  @Test
  void manyConcurrentCalls_shareOneClientConnection() throws Exception {
    Server backend = backend();
    ListenerServer server = listener("grpc-many", Duration.ofSeconds(30), backend.getPort());
    ManagedChannel channel = channel(server);
    int calls = 1000;
    List<com.google.common.util.concurrent.ListenableFuture<byte[]>> futures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      byte[] request = {(byte) i, (byte) (i >> 8)};
      futures.add(ClientCalls.futureUnaryCall(channel.newCall(EchoService.UNARY, CallOptions.DEFAULT), request));
    }
    for (int i = 0; i < calls; i++) {
      assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).containsExactly((byte) i, (byte) (i >> 8));
    }
    assertThat(server.metrics().http2().connections()).isEqualTo(1);
    assertThat(server.metrics().http2().streams()).isEqualTo(calls);
    assertThat(server.metrics().responses(2)).isEqualTo(calls);
    // Streams are multiplexed over a few backend connections per loop, not one per call.
    assertThat(server.metrics().backendConnectionsOpened()).isLessThanOrEqualTo(2 * 20);
  }

  @Test
  void overTls_grpcChoosesH2ByAlpn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Server backend = backend();
    java.nio.file.Path[] pem = selfSigned(dir);
    Listener listener = Listener.builder("grpc-tls", Protocol.HTTPS, 0).backendHttpVersion(HttpVersion.HTTP_2)
        .healthCheck(HealthCheckPolicy.disabled()).build();
    LoadBalancer pool = LoadBalancers.builder(listener).backend(Backend.of("g0", "127.0.0.1", backend.getPort()))
        .build().start();
    closing.add(pool);
    ListenerServer server = ListenerServer.builder(pool).bindAddress(LOOPBACK).eventLoops(1)
        .sslContext(io.lb4j.impl.listener.PemSsl.serverContext(pem[0], pem[1])).build().start();
    closing.add(server);
    ManagedChannel channel = NettyChannelBuilder.forAddress(server.localAddress())
        .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient().trustManager(pem[1].toFile())
            .build()).build();
    closing.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    byte[] request = new byte[70_000];
    new Random(9).nextBytes(request);
    byte[] response = ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, request);
    assertThat(Arrays.equals(response, request)).isTrue();
    assertThat(server.metrics().http2().connections()).isEqualTo(1);
  }

  /** A self-signed certificate for 127.0.0.1 made with the JDK's keytool: {key PEM, chain PEM}. */
  private static java.nio.file.Path[] selfSigned(java.nio.file.Path dir) throws Exception {
    java.nio.file.Path store = dir.resolve("server.p12");
    String keytool = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    java.nio.file.Path key = dir.resolve("key.pem");
    java.nio.file.Path chain = dir.resolve("chain.pem");
    java.nio.file.Files.writeString(key, pem("PRIVATE KEY", ks.getKey("server", "changeit".toCharArray()).getEncoded()));
    java.nio.file.Files.writeString(chain, pem("CERTIFICATE", ks.getCertificate("server").getEncoded()));
    return new java.nio.file.Path[] {key, chain};
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
        .encodeToString(der) + "\n-----END " + label + "-----\n";
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
