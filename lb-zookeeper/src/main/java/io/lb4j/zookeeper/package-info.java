/**
 * Backends from ZooKeeper: {@link io.lb4j.zookeeper.ZooKeeperBackendSource} watches the services that
 * Apache Curator's {@code curator-x-discovery} registers, and can register the local instance too. Every
 * other type here is package-private.
 */
package io.lb4j.zookeeper;
