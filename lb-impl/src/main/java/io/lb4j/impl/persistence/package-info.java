/**
 * Session persistence: source-IP and server-cookie tables (bounded, expiring) and stateless, signed
 * inserted cookies. The load balancer facade drives these through {@link
 * io.lb4j.impl.persistence.SessionAffinity}.
 *
 * <p><b>Internal</b>, except {@link io.lb4j.impl.persistence.CookieKeyRing} (the keys a fleet shares, given
 * to {@code LoadBalancers.Builder.cookieKeys}): {@code SessionAffinity} and {@code Binding} are public only
 * so that the load balancer in {@code io.lb4j.impl} can use them, and may change or disappear in any
 * release.
 */
package io.lb4j.impl.persistence;
