package io.lb4j.impl.listener;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The flows of one UDP socket (one event loop), by client address and port, under the listener-wide cap on
 * flows. The map is the loop's own (no lock: only its thread touches it); the count towards the cap is one
 * {@link AtomicInteger} shared by the listener's loops, reserved before a flow opens and given back when it
 * closes, so the loops together never hold more than the cap.
 */
final class UdpFlowTable {
  private final HashMap<InetSocketAddress, UdpFlow> flows = new HashMap<>();
  private final AtomicInteger listenerFlows;
  private final int maxFlows;

  UdpFlowTable(AtomicInteger listenerFlows, int maxFlows) {
    this.listenerFlows = listenerFlows;
    this.maxFlows = maxFlows;
  }

  /** The flow of {@code client}, or null. */
  UdpFlow get(InetSocketAddress client) {
    return flows.get(client);
  }

  /** Takes one place under the listener's cap; false when the listener holds its maximum of flows. */
  boolean reserve() {
    while (true) {
      int n = listenerFlows.get();
      if (n >= maxFlows) {
        return false;
      }
      if (listenerFlows.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives back a place {@link #reserve} took (a flow that could not open, or one that closed). */
  void release() {
    listenerFlows.decrementAndGet();
  }

  /** Adds an open flow, whose place is reserved. */
  void put(UdpFlow flow) {
    flows.put(flow.client, flow);
  }

  /** Removes a closing flow and gives its place back; nothing when it is not the table's. */
  void remove(UdpFlow flow) {
    if (flows.remove(flow.client, flow)) {
      release();
    }
  }

  /** The flows, copied (closing them all changes the table). */
  List<UdpFlow> all() {
    return new ArrayList<>(flows.values());
  }

  int size() {
    return flows.size();
  }
}
