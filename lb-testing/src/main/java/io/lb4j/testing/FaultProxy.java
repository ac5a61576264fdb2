package io.lb4j.testing;

import io.lb4j.testing.Toxic.Direction;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that injects faults between any client and any TCP endpoint, on Toxiproxy's model:
 * {@link Toxic}s (latency with jitter, bandwidth, slow close, timeout, reset, slicer, data limit), each in one
 * direction and with a toxicity; {@link #disable()} closes every connection and refuses new ones until
 * {@link #enable()}. Point the client at {@link #address()} instead of the real service.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to(new InetSocketAddress("127.0.0.1", redisPort)).start()) {
 *   proxy.add(Toxic.latency(Direction.DOWNSTREAM, Duration.ofMillis(200), Duration.ofMillis(50)));
 *   // connect the client to proxy.address()
 * }
 * }</pre>
 *
 * <p>Toxics apply to new and open connections alike. The timed ones (timeout, reset) start when they are added or
 * the connection opens, idle or not; the others act on the next chunk of data in their direction. Whether a toxic
 * with a toxicity below 1 applies is drawn once per connection.
 *
 * <p>Thread-safe; the toxic list is an immutable snapshot replaced on each change, read by the connections'
 * threads. Each connection uses two threads, which {@link #disable()} and {@link #close()} end.
 *
 * @since 0.1.0
 */
public final class FaultProxy extends LoopbackServer implements AutoCloseable {

  /** Client connections proxied at once; further ones are accepted and closed at once. */
  public static final int MAX_CONNECTIONS = 256;

  private final InetSocketAddress upstream;
  private volatile List<Toxic> toxics = List.of();
  private final Set<ProxiedConnection> links = ConcurrentHashMap.newKeySet();

  private FaultProxy(String name, String host, InetSocketAddress upstream) {
    super(name, host, 0, MAX_CONNECTIONS);
    this.upstream = Objects.requireNonNull(upstream, "upstream");
  }

  /**
   * A proxy to {@code upstream}, listening on the next free loopback address, not yet started.
   *
   * @param upstream the endpoint the proxy forwards to
   * @return the proxy
   */
  public static FaultProxy to(InetSocketAddress upstream) {
    return new FaultProxy("proxy", LoopbackAddresses.next(), upstream);
  }

  /**
   * A proxy to {@code upstream} listening on {@code host}, not yet started.
   *
   * @param upstream the endpoint the proxy forwards to
   * @param host the loopback address to listen on, in 127.0.0.0/8
   * @return the proxy
   */
  public static FaultProxy to(InetSocketAddress upstream, String host) {
    return new FaultProxy("proxy", BackendNames.checkLoopback(host), upstream);
  }

  /**
   * Starts listening (an ephemeral port, kept across {@link #disable()} and {@link #enable()}).
   *
   * @return this proxy
   */
  public FaultProxy start() {
    bindAndAccept();
    return this;
  }

  /** Listens again on the same address and port after {@link #disable()}. */
  public void enable() {
    bindAndAccept();
  }

  /** Closes (FIN) every connection and stops listening: a connect is refused until {@link #enable()}. */
  public void disable() {
    closeAll();
  }

  /** Stops for good, ending every thread of the proxy. */
  @Override
  public void close() {
    closeAll();
  }

  /**
   * The address clients connect to instead of the upstream.
   *
   * @return the listening address
   */
  public InetSocketAddress address() {
    return new InetSocketAddress(host(), port());
  }

  /**
   * The endpoint the proxy forwards to.
   *
   * @return the upstream address
   */
  public InetSocketAddress upstream() {
    return upstream;
  }

  /**
   * Adds a toxic.
   *
   * @param toxic the toxic
   * @return this proxy
   * @throws IllegalStateException if a toxic of the same name is present
   */
  public synchronized FaultProxy add(Toxic toxic) {
    Objects.requireNonNull(toxic, "toxic");
    for (Toxic t : toxics) {
      if (t.name().equals(toxic.name())) {
        throw new IllegalStateException("toxic " + toxic.name() + " is already present; remove it or name the "
            + "new one with Toxic.named");
      }
    }
    List<Toxic> next = new ArrayList<>(toxics);
    next.add(toxic);
    toxics = List.copyOf(next);
    for (ProxiedConnection link : links) {
      link.arm(); // timed toxics start at once, also on idle connections, as in Toxiproxy
    }
    return this;
  }

  /**
   * Removes a toxic by name.
   *
   * @param name the toxic's name
   * @return whether it was present
   */
  public synchronized boolean remove(String name) {
    List<Toxic> next = new ArrayList<>(toxics);
    boolean removed = next.removeIf(t -> t.name().equals(name));
    toxics = List.copyOf(next);
    return removed;
  }

  /** Removes every toxic. */
  public synchronized void removeAll() {
    toxics = List.of();
  }

  /**
   * The toxics in the order added.
   *
   * @return an immutable snapshot
   */
  public List<Toxic> toxics() {
    return toxics;
  }

  @Override
  void serve(Socket client) throws IOException {
    client.setTcpNoDelay(true);
    Socket server = new Socket();
    track(server);
    try {
      server.connect(upstream, 10_000);
      server.setTcpNoDelay(true);
    } catch (IOException e) {
      reset(client); // like Toxiproxy: an unreachable upstream resets the client
      closeQuietly(server);
      untrack(server);
      return;
    }
    ProxiedConnection link = new ProxiedConnection(this, client, server);
    links.add(link);
    try {
      link.arm();
      startThread("down-" + client.getPort(), () -> link.pump(Direction.DOWNSTREAM));
      link.pump(Direction.UPSTREAM);
    } finally {
      links.remove(link);
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{" + host() + ":" + port() + " -> " + upstream + ", toxics " + toxics + "}";
  }
}
