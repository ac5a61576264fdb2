/**
 * lb4j's API: listeners, backends, request contexts, selections and the {@link io.lb4j.api.LoadBalancer}
 * facade. Subpackages hold scheduling ({@code scheduler}), health checking ({@code health}), session
 * persistence ({@code persistence}), membership from sources and subsetting ({@code discovery}) and
 * load-aware weights ({@code load}). This module has no dependencies; implementations live in
 * {@code lb-impl}.
 *
 * <p><b>Nullness</b> (in this package and its subpackages): no parameter accepts null and no method
 * returns null, unless its documentation says so. The documented exceptions are the values that are
 * absent by nature: a {@link io.lb4j.api.Selection}'s backend, reason, cookie and address when there is
 * none, a pool's {@link io.lb4j.api.LoadBalancer#listener() listener} when it serves a client, and the
 * optional settings of the policies (a health check's {@code domain}, for example). A null where none is
 * allowed throws {@link NullPointerException} naming the parameter.
 */
package io.lb4j.api;
