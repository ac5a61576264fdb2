package io.lb4j.testing;

import io.lb4j.api.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real UDP server on its own loopback address for UDP listener tests and UDP health checks: each datagram it
 * receives is echoed, answered with a fixed reply, or ignored, as its {@link Mode} says, and counted.
 * {@link #stop()} closes the socket, so datagrams sent to it get an ICMP port unreachable (a connected client
 * socket then fails with {@code PortUnreachableException}); {@link #start()} binds the same address and port
 * again.
 *
 * <p>Thread-safe; one daemon thread per running backend reads and answers. Lifecycle: {@link #start()} (the
 * builder's {@code start()} too), {@link #stop()}, {@link #close()} (idempotent).
 *
 * @since 0.1.0
 */
public final class UdpTestBackend implements AutoCloseable {

  /** What the backend does with a datagram. */
  public enum Mode {
    /** Sends the datagram back unchanged to its sender. */
    ECHO,
    /** Sends the {@linkplain #reply(String) fixed reply} to the sender. */
    REPLY,
    /** Reads and never answers: a hung service (no ICMP error either: the port is open). */
    SILENT
  }

  private final String name;
  private final String host;
  private volatile int port;
  private volatile Mode mode = Mode.ECHO;
  private volatile byte[] reply = "ok".getBytes(StandardCharsets.US_ASCII);
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong receivedBytes = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final Set<InetSocketAddress> senders = ConcurrentHashMap.newKeySet();
  private final int receiveBuffer;
  private DatagramChannel channel;
  private Thread thread;

  private UdpTestBackend(String name, String host, int receiveBuffer) {
    this.name = Objects.requireNonNull(name, "name");
    this.host = host;
    this.receiveBuffer = receiveBuffer;
  }

  /** An echoing backend named {@code name} on the next free loopback address, started on any port. */
  public static UdpTestBackend echo(String name) {
    return new UdpTestBackend(name, LoopbackAddresses.next(), 0).start();
  }

  /**
   * An echoing backend named {@code name} on {@code host} with a socket receive buffer of
   * {@code receiveBufferBytes} (0: the OS default), started on any port.
   */
  public static UdpTestBackend echo(String name, String host, int receiveBufferBytes) {
    return new UdpTestBackend(name, host, receiveBufferBytes).start();
  }

  /** Binds (the same port as before, after a {@link #stop()}) and starts answering; does nothing when running. */
  public synchronized UdpTestBackend start() {
    if (channel != null) {
      return this;
    }
    try {
      DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
      if (receiveBuffer > 0) {
        ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
      }
      ch.bind(new InetSocketAddress(host, port));
      port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
      channel = ch;
    } catch (IOException e) {
      throw new UncheckedIOException("UDP backend " + name + " cannot bind " + host + ":" + port, e);
    }
    DatagramChannel ch = channel;
    thread = new Thread(() -> serve(ch), "udp-backend-" + name);
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  private void serve(DatagramChannel ch) {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    while (true) {
      buf.clear();
      SocketAddress from;
      try {
        from = ch.receive(buf);
      } catch (ClosedChannelException closed) {
        return;
      } catch (IOException e) {
        continue; // an ICMP error of an earlier reply (the client went away): keep serving
      }
      buf.flip();
      received.incrementAndGet();
      receivedBytes.addAndGet(buf.remaining());
      senders.add((InetSocketAddress) from);
      Mode m = mode;
      if (m == Mode.SILENT) {
        continue;
      }
      // Counted before it leaves, so a client that got the answer always sees it counted.
      sent.incrementAndGet();
      try {
        ch.send(m == Mode.ECHO ? buf : ByteBuffer.wrap(reply), from);
      } catch (ClosedChannelException closed) {
        sent.decrementAndGet();
        return;
      } catch (IOException e) {
        sent.decrementAndGet(); // the sender is gone: nothing was sent
      }
    }
  }

  /** Closes the socket (datagrams to it now get ICMP port unreachable) and ends the thread. */
  public synchronized void stop() {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
    channel = null;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** Sets what the backend does with the datagrams it receives from now on. */
  public UdpTestBackend mode(Mode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /** Answers every datagram with {@code reply} (ASCII) from now on. */
  public UdpTestBackend reply(String reply) {
    this.reply = reply.getBytes(StandardCharsets.US_ASCII);
    this.mode = Mode.REPLY;
    return this;
  }

  /** The backend's name. */
  public String name() {
    return name;
  }

  /** Its loopback address, for example {@code 127.0.0.7}. */
  public String host() {
    return host;
  }

  /** Its port (the same across {@link #stop()} and {@link #start()}). */
  public int port() {
    return port;
  }

  /** Its address and port. */
  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }

  /** A balancer backend for it: id {@link #name()}, its host and port, weight 100. */
  public Backend backend() {
    return Backend.of(name, host, port);
  }

  /** Datagrams received since start. */
  public long received() {
    return received.get();
  }

  /** Payload bytes received since start. */
  public long receivedBytes() {
    return receivedBytes.get();
  }

  /** Datagrams sent back. */
  public long sent() {
    return sent.get();
  }

  /** The distinct addresses and ports datagrams came from (for a balancer: one per flow socket). */
  public Set<InetSocketAddress> senders() {
    return Set.copyOf(senders);
  }

  @Override
  public String toString() {
    return "UdpTestBackend{" + name + " " + host + ":" + port + " " + mode + " received=" + received + "}";
  }
}
