package io.lb4j.impl.listener;

import io.lb4j.api.HttpVersion;
import io.lb4j.impl.listener.http.ForwardingRewriter;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;

/** What every Layer-7 connection of one running listener shares, beside the {@link ProxyContext}. */
final class HttpContext {
  final ProxyContext proxy;
  final HttpLimits limits;
  final ForwardingRewriter rewriter;
  final String viaId;
  /** {@link #viaId} as ASCII bytes. */
  final byte[] viaIdBytes;
  /** The {@code via} value added to HTTP/2 messages relayed to and from h2c backends: {@code 2 <viaId>}. */
  final String via2;
  /** The port clients connect to, as text (X-Forwarded-Port). */
  final String listenerPort;
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
  /** Whether clients may speak HTTP/2 (h2 by ALPN, h2c with prior knowledge). */
  final boolean http2;
  /** The HTTP/2 limits of client connections and of h2c backend connections. */
  final Http2Limits http2Limits;
  /** Backends speak h2c: requests go as streams of pooled HTTP/2 connections. */
  final boolean backendHttp2;
  /** SLF4J logger {@code io.lb4j.access} (tests pass their own). */
  final Logger accessLog;
  /** What an HTTPS listener offers by ALPN, most preferred first. */
  private final String[] alpn;
  /** Set by {@code stop()}: connections close after their current response, idle ones at once. */
  volatile boolean draining;

  HttpContext(ProxyContext proxy, HttpLimits limits, Http2Limits http2Limits, String viaId, SSLContext ssl,
      int listenerPort, long keepAliveTimeoutNanos, Logger accessLog) {
    this.proxy = proxy;
    this.limits = limits;
    this.viaId = viaId;
    this.viaIdBytes = viaId.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    this.listenerPort = Integer.toString(listenerPort);
    this.via2 = "2 " + viaId;
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
    this.http2 = proxy.listener.http2();
    this.http2Limits = http2Limits;
    this.backendHttp2 = proxy.listener.backendHttpVersion() == HttpVersion.HTTP_2;
    this.alpn = http2 ? new String[] {"h2", "http/1.1"} : new String[] {"http/1.1"};
  }

  boolean https() {
    return ssl != null;
  }

  /** A server engine offering {@code h2} (when HTTP/2 is on) and {@code http/1.1} by ALPN, in that order. */
  SSLEngine newEngine() {
    SSLEngine engine = ssl.createSSLEngine();
    SSLParameters parameters = engine.getSSLParameters();
    // The JDK's server picks the first of its own protocols that the client offers: h2 when both can.
    parameters.setApplicationProtocols(alpn);
    engine.setSSLParameters(parameters);
    return engine;
  }
}
