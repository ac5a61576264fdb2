/**
 * Sources of backends that ship with lb-impl: a fixed list ({@link io.lb4j.impl.discovery.BackendSources#fixed})
 * and a watched file ({@link io.lb4j.impl.discovery.BackendSources#file}). Give one to
 * {@code LoadBalancers.builder(listener).backendSource(...)}. DNS and ZooKeeper sources live in the
 * {@code lb-dns} and {@code lb-zookeeper} modules, so lb-impl pulls in neither dnsjava nor Curator.
 */
package io.lb4j.impl.discovery;
