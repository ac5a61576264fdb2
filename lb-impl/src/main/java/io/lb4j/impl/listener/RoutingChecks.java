package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Backend;
import io.lb4j.api.HttpVersion;
import io.lb4j.api.Listener;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link Routing} must satisfy to serve a listener, beyond its own build checks: a Layer-4 listener has
 * no rules (it sends everything to its default group); cookie persistence needs HTTP or HTTPS; two groups that
 * insert a session cookie need two cookie names (a browser visiting both would otherwise lose its session at
 * each switch); and no backend is the listener's own address. Stateless.
 */
final class RoutingChecks {

  private RoutingChecks() {}

  /**
   * Checks {@code routing} for {@code listener}.
   *
   * @throws IllegalStateException naming every problem
   */
  static void check(Listener listener, Routing routing) {
    List<String> problems = new ArrayList<>();
    boolean layer7 = listener.frontendProtocol().isLayer7();
    if (!layer7 && !routing.rules().rules().isEmpty()) {
      problems.add("listener " + listener.name() + " (" + listener.frontendProtocol() + ") sends every "
          + (listener.frontendProtocol().name().equals("UDP") ? "datagram" : "connection")
          + " to its default group: forwarding rules need an http or https listener, was "
          + routing.rules().rules().size() + " rules");
    }
    if (listener.backendHttpVersion() == HttpVersion.HTTP_2 && !routing.rules().rules().isEmpty()) {
      // Streams relayed to h2c backends are routed to the default group only: rules are matched on an
      // HTTP/1.1 head, which a relayed stream never has.
      problems.add("listener " + listener.name() + " relays HTTP/2 streams to h2c backends (backendHttpVersion"
          + " HTTP_2), which go to the default group: forwarding rules need HTTP/1.1 backends, was "
          + routing.rules().rules().size() + " rules");
    }
    Map<String, String> cookies = new HashMap<>();
    for (String name : routing.routedGroups()) {
      ServerGroup g = routing.group(name);
      PoolSettings settings = g.settings() != null ? g.settings() : listener.poolSettings();
      SessionPersistence p = settings.sessionPersistence();
      if (p.mode().isCookie() && !layer7) {
        problems.add("group '" + name + "': sessionPersistence " + p.mode().name().toLowerCase(Locale.ROOT)
            + " needs an http or https listener, but listener " + listener.name() + " is "
            + listener.frontendProtocol());
      }
      if (p.mode() == SessionPersistence.Mode.INSERT_COOKIE) {
        String other = cookies.putIfAbsent(p.cookieName(), name);
        if (other != null) {
          problems.add("groups '" + other + "' and '" + name + "' both insert session cookie " + p.cookieName()
              + ": a client visiting both would lose its session at each switch; give each its own cookieName");
        }
      }
    }
    checkState(problems.isEmpty(), "listener " + listener.name() + " routing: " + String.join("; ", problems));
  }

  /** A backend and the port its traffic goes to (the backend port of its group's settings, or its own). */
  record Target(Backend backend, int port) {}

  /**
   * Refuses a backend that is the listener's own address and port ({@code local}): every request sent to it
   * would come back to the listener, the loop the reference warns about.
   */
  static void rejectSelfLoop(Listener listener, Iterable<Target> targets, InetSocketAddress local) {
    for (Target t : targets) {
      Backend b = t.backend();
      int port = t.port();
      if (port != local.getPort()) {
        continue;
      }
      InetAddress host;
      try {
        host = InetAddress.getByName(b.host());
      } catch (UnknownHostException e) {
        continue;
      }
      boolean same = local.getAddress().isAnyLocalAddress()
          ? host.isLoopbackAddress() || host.isAnyLocalAddress() || isLocalInterface(host)
          : host.equals(local.getAddress());
      checkState(!same, "backend " + b.id() + " (" + b.host() + ":" + port + ") is listener " + listener.name()
          + "'s own address: requests would loop back to the listener");
    }
  }

  /** Every backend {@code routing} lists, in every group, with the port of its traffic. */
  static List<Target> listed(Listener listener, Routing routing) {
    List<Target> all = new ArrayList<>();
    for (ServerGroup g : routing.groups()) {
      PoolSettings settings = g.settings() != null ? g.settings() : listener.poolSettings();
      for (Backend b : g.backends()) {
        all.add(new Target(b, settings.backendPortFor(b)));
      }
    }
    return all;
  }

  /** The members of every current pool, with the port of their traffic. */
  static List<Target> members(Routes routes) {
    List<Target> all = new ArrayList<>();
    for (GroupPool g : routes.groups) {
      if (g == null) {
        continue;
      }
      PoolSettings settings = g.pool.settings();
      for (io.lb4j.api.BackendView v : g.pool.view()) {
        all.add(new Target(v.backend(), settings.backendPortFor(v.backend())));
      }
    }
    return all;
  }

  private static boolean isLocalInterface(InetAddress host) {
    try {
      return java.net.NetworkInterface.getByInetAddress(host) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
