/**
 * Server groups as pools: {@link io.lb4j.impl.groups.GroupPools} builds the pool of one routed
 * {@link io.lb4j.api.routing.ServerGroup} of a listener, with its standby group's backends as the tier after its
 * own ({@link io.lb4j.impl.groups.Standby}), and shares each backend source among the pools that need its
 * backends ({@link io.lb4j.impl.groups.SharedSource}).
 *
 * <p>Internal: not exported by the module, and free to change in any release. {@code ListenerServer} is the
 * way in.
 */
package io.lb4j.impl.groups;
