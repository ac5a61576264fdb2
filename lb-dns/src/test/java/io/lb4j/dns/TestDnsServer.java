package io.lb4j.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server on loopback for tests, built on dnsjava's message classes: answers over
 * UDP and TCP on one ephemeral port, from records the test sets and changes while it runs. It can answer
 * NXDOMAIN or SERVFAIL for a name, truncate UDP answers (so clients retry over TCP), and stop answering
 * (queries are read and dropped, as from a server that hangs). Thread-safe; one thread per transport.
 */
final class TestDnsServer implements AutoCloseable {

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
  private final Map<String, Integer> rcodes = new ConcurrentHashMap<>();
  private final Set<String> truncated = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
  private final AtomicInteger tcpQueries = new AtomicInteger();
  private volatile boolean silent;
  private final Thread udpThread;
  private final Thread tcpThread;

  private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
    this.udp = udp;
    this.tcp = tcp;
    this.udpThread = new Thread(this::serveUdp, "test-dns-udp");
    this.tcpThread = new Thread(this::serveTcp, "test-dns-tcp");
    udpThread.setDaemon(true);
    tcpThread.setDaemon(true);
    udpThread.start();
    tcpThread.start();
  }

  /**
   * Starts again on {@code port} of 127.0.0.1, as a DNS server that was stopped comes back (its records are
   * gone: set them again). The TCP socket reuses the address, so a stopped server's port is free at once.
   */
  static TestDnsServer start(int port) throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    ServerSocket tcp = new ServerSocket();
    tcp.setReuseAddress(true);
    try {
      tcp.bind(new InetSocketAddress(loopback, port), 50);
      return new TestDnsServer(new DatagramSocket(new InetSocketAddress(loopback, port)), tcp);
    } catch (IOException e) {
      tcp.close();
      throw e;
    }
  }

  /** Starts on 127.0.0.1, on an ephemeral port free for both UDP and TCP. */
  static TestDnsServer start() throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      ServerSocket tcp = new ServerSocket(0, 50, loopback);
      try {
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, tcp.getLocalPort()));
        return new TestDnsServer(udp, tcp);
      } catch (SocketException taken) {
        tcp.close();
        last = taken;
      }
    }
    throw last;
  }

  InetSocketAddress address() {
    return new InetSocketAddress(tcp.getInetAddress(), tcp.getLocalPort());
  }

  /** Replaces the records of {@code name} and {@code type} (all records must have that name and type). */
  void set(String name, int type, Record... rs) {
    records.put(key(name, type), List.of(rs));
  }

  /** Answers {@code rcode} (NXDOMAIN, SERVFAIL...) for every query about {@code name}, or normally when null. */
  void rcode(String name, Integer rcode) {
    if (rcode == null) {
      rcodes.remove(canonical(name));
    } else {
      rcodes.put(canonical(name), rcode);
    }
  }

  /** Sets the TC bit on UDP answers about {@code name}: a client must ask again over TCP. */
  void truncateUdp(String name) {
    truncated.add(canonical(name));
  }

  /** Drops every query unanswered (true) or answers again (false). */
  void silent(boolean silent) {
    this.silent = silent;
  }

  /** Queries received for {@code name} and {@code type}, over both transports. */
  int queries(String name, int type) {
    AtomicInteger n = queries.get(key(name, type));
    return n == null ? 0 : n.get();
  }

  int tcpQueries() {
    return tcpQueries.get();
  }

  static Name name(String name) {
    return Name.fromConstantString(canonical(name));
  }

  private static String canonical(String name) {
    return name.endsWith(".") ? name.toLowerCase() : name.toLowerCase() + ".";
  }

  private static String key(String name, int type) {
    return canonical(name) + " " + Type.string(type);
  }

  /** The answer to {@code queryBytes}, or null to drop it. */
  private byte[] answer(byte[] queryBytes, boolean overUdp) {
    Message query;
    try {
      query = new Message(queryBytes);
    } catch (IOException malformed) {
      return null;
    }
    Record question = query.getQuestion();
    if (question == null || query.getHeader().getOpcode() != Opcode.QUERY) {
      return null;
    }
    String name = question.getName().toString().toLowerCase();
    queries.computeIfAbsent(key(name, question.getType()), k -> new AtomicInteger()).incrementAndGet();
    if (silent) {
      return null;
    }
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.AA);
    if (query.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    response.addRecord(question, Section.QUESTION);
    Integer rcode = rcodes.get(name);
    if (rcode != null) {
      response.getHeader().setRcode(rcode);
    } else if (overUdp && truncated.contains(name)) {
      response.getHeader().setFlag(Flags.TC);
    } else {
      for (Record r : records.getOrDefault(key(name, question.getType()), List.of())) {
        response.addRecord(r, Section.ANSWER);
      }
    }
    return response.toWire();
  }

  private void serveUdp() {
    byte[] buffer = new byte[512];
    while (!udp.isClosed()) {
      try {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
        byte[] answer = answer(query, true);
        if (answer != null) {
          udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
        }
      } catch (IOException e) {
        // closed, or one bad exchange: go on until closed
      }
    }
  }

  private void serveTcp() {
    while (!tcp.isClosed()) {
      try (Socket socket = tcp.accept()) {
        socket.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        byte[] query = new byte[in.readUnsignedShort()];
        in.readFully(query);
        tcpQueries.incrementAndGet();
        byte[] answer = answer(query, false);
        if (answer != null) {
          out.writeShort(answer.length);
          out.write(answer);
          out.flush();
        }
      } catch (IOException e) {
        // closed, or one bad exchange: go on until closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    udp.close();
    tcp.close();
    try {
      udpThread.join(10_000);
      tcpThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
