package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Shared set-up for listener tests: pools without health checks, loopback servers, socket clients. */
final class Fixtures {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private Fixtures() {}

  /** A started pool for {@code listener} with active health checks off (every backend eligible). */
  static LoadBalancer pool(Listener.Builder listener, Backend... backends) {
    LoadBalancers.Builder b = LoadBalancers.builder(listener.healthCheck(HealthCheckPolicy.disabled()).build());
    for (Backend backend : backends) {
      b.backend(backend);
    }
    return b.build().start();
  }

  static Listener.Builder tcp(String name) {
    return Listener.builder(name, Protocol.TCP, 0);
  }

  static Backend backend(String id, EchoBackend server) {
    return Backend.of(id, server.host(), server.port());
  }

  /** A started server on 127.0.0.1 with one event loop per test unless told otherwise. */
  static ListenerServer.Builder server(LoadBalancer pool) {
    return ListenerServer.builder(pool).bindAddress(LOOPBACK).eventLoops(2);
  }

  /**
   * Sends {@code payload} to {@code target} from {@code from} (a 127.x address, or null), half-closes,
   * and returns everything received until the other side's end of stream. Writes on another thread so a
   * peer that echoes cannot dead-lock it.
   */
  static byte[] exchange(InetSocketAddress target, InetAddress from, byte[] payload) {
    try (Socket s = new Socket()) {
      if (from != null) {
        s.bind(new InetSocketAddress(from, 0));
      }
      s.connect(target, 30_000);
      s.setSoTimeout(60_000);
      CompletableFuture<Void> written = new CompletableFuture<>();
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(payload);
          s.shutdownOutput();
          written.complete(null);
        } catch (IOException e) {
          written.completeExceptionally(e);
        }
      }, "test-writer");
      writer.start();
      byte[] received = readAll(s.getInputStream());
      written.get(60, TimeUnit.SECONDS);
      return received;
    } catch (Exception e) {
      throw new AssertionError("exchange with " + target + " failed", e);
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  static boolean listenerThreadsAlive(String listenerName) {
    String prefix = "lb4j-listener-" + listenerName + "-";
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
  }

  /**
   * Fills the accept queue of a server that never accepts, so that Linux drops further SYNs and a connect
   * to it hangs until the connector's own timeout. Close the returned sockets when done.
   */
  static List<Socket> fillAcceptQueue(ServerSocket stuck) throws IOException {
    List<Socket> fillers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Socket f = new Socket();
      try {
        f.connect(stuck.getLocalSocketAddress(), 1000);
        fillers.add(f);
      } catch (SocketTimeoutException full) {
        f.close();
        return fillers;
      }
    }
    return fillers;
  }

  static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
