package io.lb4j.examples.gateway;

import io.lb4j.api.discovery.BackendSource;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.examples.gateway.config.RoutingConfig;
import io.lb4j.examples.gateway.config.SourceConfig;
import io.lb4j.examples.gateway.admin.CountingPool;
import io.lb4j.impl.CookieKeyRing;
import io.lb4j.impl.listener.ConnectionBudget;
import io.lb4j.impl.listener.ListenerServer;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The gateway's listeners with server groups: started through {@code ListenerServer}'s routing (a pool per
 * routed group, built by the server), and rerouted on reload with {@code ListenerServer.reconfigure}. Each
 * source a routing names is created once and handed back while the file names it unchanged, so a reload keeps
 * that group's pool. Stateless; the runtime holds the sources by listener.
 */
final class RoutedListeners {

  private RoutedListeners() {}

  /**
   * Starts a listener with server groups: its server builds a pool per routed group (counted for the admin
   * endpoint when it is on), with the sources its routing names created now.
   */
  static GatewayRuntime.Running start(ListenerConfig listener, int index, String fileName, int eventLoops,
      ConnectionBudget budget, String instance, Map<String, SSLContext> tls, boolean counting,
      Map<String, Map<SourceConfig, BackendSource>> sources, Consumer<String> onListenerFailure) {
    String name = listener.listener().name();
    Map<SourceConfig, BackendSource> created = new ConcurrentHashMap<>();
    CookieKeyRing ring = listener.cookieKeys() == null ? null : GatewayRuntime.ring(listener.cookieKeys());
    try {
      ListenerServer.Builder server = ListenerServer.builder(listener.listener())
          .routing(listener.routing().toRouting(c -> created.computeIfAbsent(c, k -> k.factory().get())))
          .cookieKeys(ring != null ? ring : CookieKeyRing.random())
          .bindAddress(InetAddress.getByName(listener.bindAddress()))
          .eventLoops(eventLoops)
          .maxIdleConnectionsPerBackend(listener.backendPool().maxIdlePerBackend())
          .backendIdleTimeout(listener.backendPool().idleTimeout())
          .connectionBudget(budget)
          .onFailure(() -> onListenerFailure.accept(name))
          .viaId(listener.viaId() != null ? listener.viaId() : GatewayRuntime.defaultViaId(name, instance));
      if (counting) {
        server.poolDecorator(CountingPool::new);
      }
      if (listener.maxConnections() > 0) {
        server.maxConnections(listener.maxConnections());
      }
      if (tls.containsKey(name)) {
        server.sslContext(tls.get(name));
      }
      if (listener.udp() != null) {
        server.udp(listener.udp());
      }
      GatewayRuntime.Running r = new GatewayRuntime.Running(listener, null, server.build().start(), ring);
      sources.put(name, created);
      return r;
    } catch (IOException | RuntimeException e) {
      created.values().forEach(BackendSource::close); // a started server's pools closed theirs already
      throw new GatewayRuntime.StartFailure(new ConfigProblem(fileName, listener.line(), "listeners[" + index + "].port",
          e.getMessage() != null && e.getMessage().startsWith("listener ") ? e.getMessage()
              : "listener " + name + " cannot start: " + e), e);
    }
  }


  /**
   * Applies a listener's new routing: sources the running routing already has are reused (their groups keep
   * their pools), new ones created. A routing the server refuses is reported and the running one kept.
   */
  static ListenerConfig reroute(GatewayRuntime.Running r, ListenerConfig now, RoutingConfig routing,
      Map<String, Map<SourceConfig, BackendSource>> sources, List<String> pending) {
    String name = now.listener().name();
    Map<SourceConfig, BackendSource> before = sources.getOrDefault(name, Map.of());
    Map<SourceConfig, BackendSource> after = new ConcurrentHashMap<>();
    try {
      r.server().reconfigure(routing.toRouting(c -> after.computeIfAbsent(c, k -> before.containsKey(k)
          ? before.get(k) : k.factory().get())));
    } catch (IllegalStateException | IllegalArgumentException e) {
      after.forEach((k, source) -> {
        if (!before.containsKey(k)) {
          source.close(); // created for the refused routing, never started
        }
      });
      pending.add("listener '" + name + "': the new routing was refused (" + e.getMessage() + "); the running one is"
          + " kept");
      return now;
    }
    sources.put(name, after);
    return now.withRouting(routing);
  }
}
