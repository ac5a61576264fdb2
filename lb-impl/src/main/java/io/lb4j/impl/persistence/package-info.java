/**
 * Session persistence: source-IP and server-cookie tables (bounded, expiring) and stateless, signed
 * inserted cookies. The load balancer facade drives these through {@link
 * io.lb4j.impl.persistence.SessionAffinity}; gateways that schedule on their own can use it directly.
 */
package io.lb4j.impl.persistence;
