/**
 * Layer-7 forwarding: the {@link io.lb4j.api.routing.ForwardingRule}s that send a request to a server group by
 * {@code Host} and path, and the {@link io.lb4j.api.routing.ForwardingRules} of a listener with its default
 * group (the reference's forwarding rules and server groups).
 */
package io.lb4j.api.routing;
