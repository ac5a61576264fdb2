/**
 * Layer-7 forwarding: {@link io.lb4j.impl.routing.RouteTable} compiles a listener's
 * {@link io.lb4j.api.routing.ForwardingRules} into an allocation-free matcher of {@code Host} and normalized
 * path ({@link io.lb4j.impl.routing.PathNormalizer}) to a server group or a refusal
 * ({@link io.lb4j.impl.routing.Route}).
 *
 * <p>Public here: {@code RouteTable}, {@code Route} and {@code PathNormalizer}; the rest is package-private.
 */
package io.lb4j.impl.routing;
