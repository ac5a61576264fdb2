/**
 * Membership from outside the process: the {@link io.lb4j.api.discovery.BackendSource} SPI that feeds a pool
 * whole backend lists (from a file, DNS, ZooKeeper...), the {@link io.lb4j.api.discovery.DiscoveryPolicy}
 * that says how a pool treats a source (first-list timeout, retry backoff, empty lists), and the
 * {@link io.lb4j.api.discovery.SourceState} a pool reports for it, and {@link io.lb4j.api.discovery.SubsetPolicy}, which
 * narrows a big membership to a balanced subset per client.
 */
package io.lb4j.api.discovery;
