/**
 * Sources of backends that ship with lb-impl: a fixed list ({@link io.lb4j.impl.discovery.BackendSources#fixed})
 * and a watched file ({@link io.lb4j.impl.discovery.BackendSources#file}). Give one to
 * {@code LoadBalancers.builder(listener).backendSource(...)}. DNS and ZooKeeper sources live in the
 * {@code lb-dns} and {@code lb-zookeeper} modules, so lb-impl pulls in neither dnsjava nor Curator.
 *
 * <p>{@link io.lb4j.impl.discovery.DeterministicSubset} narrows a membership to one client's subset (Google SRE
 * book's deterministic subsetting) for a {@link io.lb4j.api.discovery.SubsetPolicy}; a pure function, which the
 * pool will apply to every list a source delivers.
 */
package io.lb4j.impl.discovery;
