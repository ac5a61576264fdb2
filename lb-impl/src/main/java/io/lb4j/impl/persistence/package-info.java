/**
 * Session persistence: source-IP and server-cookie tables (bounded, expiring) and stateless, signed
 * inserted cookies. The pool drives these through {@link io.lb4j.impl.persistence.SessionAffinity}.
 *
 * <p><b>Internal:</b> not exported by the {@code io.lb4j.impl} module; the keys a fleet shares are given as
 * {@code io.lb4j.impl.CookieKeyRing}. The types here may change or disappear in any release.
 */
package io.lb4j.impl.persistence;
