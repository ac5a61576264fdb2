/**
 * lb4j's API: listeners, backends, request contexts, selections and the {@link io.lb4j.api.LoadBalancer}
 * facade. Subpackages hold scheduling ({@code scheduler}), health checking ({@code health}) and session
 * persistence ({@code persistence}). This module has no dependencies; implementations live in
 * {@code lb-impl}.
 */
package io.lb4j.api;
