package io.lb4j.impl.health;

import io.lb4j.api.Backend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One checked backend: its health state (read by any thread) and its probe bookkeeping (confined to
 * the probe loop thread unless marked volatile).
 */
final class Target {

  static final int WAITING = 0;
  static final int QUEUED = 1;
  static final int IN_FLIGHT = 2;
  static final int REMOVED = 3;

  final Backend backend;
  final String id;
  /** The checker this target belongs to, with its share of the probe loop. */
  final ProbeGroup group;
  /**
   * Resolved off the loop thread (when the backend is added, and again when its owner refreshes it), so
   * the loop never blocks on DNS; null if unknown.
   */
  volatile InetAddress address;
  /** The port of traffic: the listener's backend port when set, else the backend's own. */
  final int trafficPort;
  final HealthStateMachine state;

  /** The last probe's result; "" before the first. Written by the loop thread. */
  volatile String lastResult = "";
  /** System.nanoTime() of the last successful real request, 0 if none. */
  volatile long lastTrafficSuccess;

  // Probe loop thread only below.
  int phase = WAITING;
  int heapIndex = -1;
  long deadline;
  /** The un-jittered start of the current probe period; probes keep this cadence exactly. */
  long base;
  /** When the next (or current) probe was due, jitter included. */
  long due;
  long probeStart;
  SocketChannel channel;
  /** A UDP check's socket while its probe is in flight ({@link UdpProbe}). */
  DatagramChannel datagram;
  SelectionKey key;
  InetSocketAddress checkAddress;
  /** The HTTP request for {@link #requestFor}; rebuilt when the policy changes. */
  byte[] request;
  PolicyView requestFor;
  ByteBuffer pendingWrite;
  /** First bytes of the HTTP response, up to the status code. */
  byte[] head;
  int headLength;

  Target(ProbeGroup group, Backend backend, InetAddress address, int trafficPort, boolean startHealthy) {
    this.group = group;
    this.backend = backend;
    this.id = backend.id();
    this.address = address;
    this.trafficPort = trafficPort;
    this.state = new HealthStateMachine(startHealthy);
  }
}
