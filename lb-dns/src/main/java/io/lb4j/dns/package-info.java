/**
 * Backends from DNS: {@link io.lb4j.dns.DnsBackendSource} resolves A/AAAA or SRV records with dnsjava
 * (which, unlike the JDK's resolver, shows record TTLs) and resolves them again when the smallest TTL runs
 * out. Every other type here is package-private.
 */
package io.lb4j.dns;
