/**
 * Where a listener sends its traffic: its {@link io.lb4j.api.routing.ServerGroup}s (each its own pool, with an
 * optional standby group), the {@link io.lb4j.api.routing.ForwardingRule}s that send a request to a group by
 * {@code Host} and path, the {@link io.lb4j.api.routing.ForwardingRules} of a listener with its default group,
 * and {@link io.lb4j.api.routing.Routing}, all of it as one value a running listener takes as a whole (the
 * reference's forwarding rules and server groups).
 */
package io.lb4j.api.routing;
