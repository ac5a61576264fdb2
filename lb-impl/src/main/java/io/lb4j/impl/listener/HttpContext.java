package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.ForwardingRewriter;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;

/** What every Layer-7 connection of one running listener shares, beside the {@link ProxyContext}. */
final class HttpContext {
  final ProxyContext proxy;
  final HttpLimits limits;
  final ForwardingRewriter rewriter;
  final String viaId;
  final SSLContext ssl;
  final long requestTimeoutNanos;
  final long writeTimeoutNanos;
  final long keepAliveTimeoutNanos;
  /** A lingering close ends after this much silence from the client (nginx's lingering_timeout)... */
  final long lingerNanos;
  /** ...or this long after the refusal, whatever the client sends (nginx's lingering_time). */
  final long lingeringTimeNanos;
  /** Whether an {@code Upgrade: h2c} is forwarded (else the request is served without its upgrade). */
  final boolean allowH2cUpgrade;
  /** SLF4J logger {@code io.lb4j.access} (tests pass their own). */
  final Logger accessLog;
  /** Set by {@code stop()}: connections close after their current response, idle ones at once. */
  volatile boolean draining;

  HttpContext(ProxyContext proxy, HttpLimits limits, String viaId, SSLContext ssl, int listenerPort,
      long keepAliveTimeoutNanos, Logger accessLog) {
    this.proxy = proxy;
    this.limits = limits;
    this.viaId = viaId;
    this.ssl = ssl;
    this.rewriter = new ForwardingRewriter(viaId, ssl != null, listenerPort,
        proxy.listener.underscoresInHeaders());
    this.requestTimeoutNanos = proxy.listener.requestTimeout().toNanos();
    this.writeTimeoutNanos = proxy.listener.writeTimeout().toNanos();
    this.keepAliveTimeoutNanos = keepAliveTimeoutNanos;
    this.lingerNanos = Math.min(requestTimeoutNanos, 5_000_000_000L);
    this.lingeringTimeNanos = proxy.listener.lingeringTime().toNanos();
    this.allowH2cUpgrade = proxy.listener.allowH2cUpgrade();
    this.accessLog = accessLog;
  }

  boolean https() {
    return ssl != null;
  }

  SSLEngine newEngine() {
    return ssl.createSSLEngine();
  }
}
