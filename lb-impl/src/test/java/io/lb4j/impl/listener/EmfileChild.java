package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Layer-7 listener in its own JVM, started by {@link ChildListener} under a low file-descriptor limit
 * ({@code ulimit -n}), driven by commands on its standard input so a test can exhaust its descriptors
 * for real: {@code hog} opens {@code /dev/null} until the process is out of descriptors, {@code free N}
 * closes N of those, {@code metrics} prints the counters, {@code exit} stops. Answers one line each.
 * Arguments: the backend's host and port. Not a test itself.
 */
final class EmfileChild {
  private EmfileChild() {}

  public static void main(String[] args) throws Exception {
    // Out of descriptors, a class not loaded yet cannot be read from a class-path folder (a jar, as in a
    // real deployment, is open already): load every lb4j class up front.
    for (Class<?> c : List.of(ListenerServer.class, Listener.class, LoadBalancers.class)) {
      preload(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }
    Listener listener = Listener.builder("emfile", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    LoadBalancer pool = LoadBalancers.builder(listener).backend(Backend.of("b", args[0], Integer.parseInt(args[1])))
        .build().start();
    // No pooled backend connection: each request opens its backend socket, so a missing descriptor shows.
    ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress()).eventLoops(1)
        .maxIdleConnectionsPerBackend(0).build().start();
    System.out.println("listening " + server.localAddress().getPort());
    List<FileInputStream> hogs = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.split(" ");
      switch (words[0]) {
        case "hog":
          hog(hogs);
          // A channel closed while registered keeps its descriptor until the loop's next select: let the
          // loop turn once, then take what it released too.
          java.util.concurrent.CountDownLatch turned = new java.util.concurrent.CountDownLatch(1);
          server.eventLoop(0).execute(turned::countDown);
          turned.await();
          hog(hogs);
          System.out.println("hogged " + hogs.size());
          break;
        case "free":
          int n = Integer.parseInt(words[1]);
          for (int i = 0; i < n && !hogs.isEmpty(); i++) {
            hogs.remove(hogs.size() - 1).close();
          }
          System.out.println("freed " + n);
          break;
        case "metrics":
          ListenerMetrics m = server.metrics();
          System.out.println("metrics acceptPauses=" + m.acceptPauses() + " socketUnavailable="
              + m.failures(FailureCause.SOCKET_UNAVAILABLE) + " active=" + m.connectionsActive());
          break;
        default:
          server.close();
          pool.close();
          System.out.println("bye");
          return;
      }
    }
  }

  private static void preload(Path root) throws IOException, ClassNotFoundException {
    if (!Files.isDirectory(root)) {
      return;
    }
    List<String> names;
    try (Stream<Path> files = Files.walk(root)) {
      names = files.map(root::relativize).map(Path::toString).filter(n -> n.endsWith(".class"))
          .filter(n -> !n.equals("module-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace(File.separatorChar, '.')).toList();
    }
    for (String name : names) {
      Class.forName(name, false, EmfileChild.class.getClassLoader());
    }
  }

  private static void hog(List<FileInputStream> hogs) {
    while (true) {
      try {
        hogs.add(new FileInputStream("/dev/null"));
      } catch (IOException full) {
        return;
      }
    }
  }
}
