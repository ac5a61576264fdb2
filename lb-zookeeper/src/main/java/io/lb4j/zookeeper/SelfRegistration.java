package io.lb4j.zookeeper;

import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.utils.ZKPaths;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * The local instance's registration, written as {@code curator-x-discovery} writes it (an ephemeral node
 * {@code <basePath>/<service>/<id>} holding Curator's JSON), but with Curator's background operations only,
 * so that neither registering nor unregistering blocks a thread while ZooKeeper is unreachable. (Curator's
 * {@code ServiceDiscovery} registers and unregisters in blocking calls that retry with the client's policy:
 * with a patient client, closing a pool could wait for minutes.)
 *
 * <p>{@link #register()} creates the node, after the parents it needs; a node that exists (left by an earlier
 * session, or ours after a reconnect) is deleted and created again, as Curator does, at most
 * {@value #ATTEMPTS} times. The owner calls it at start when connected and after every (re)connection, since
 * a new session loses the ephemeral node. {@link #close()} deletes the node with Curator's guaranteed delete,
 * which Curator keeps retrying in the background while the client is open; a registration that completes
 * after the close is deleted at once.
 *
 * <p>Thread-safe: a closed flag under this object's monitor; everything else is Curator's background
 * operations, whose callbacks run on Curator's event thread.
 */
final class SelfRegistration {

  private static final int ATTEMPTS = 3;

  private final CuratorFramework client;
  private final String path;
  private final byte[] data;
  private final Consumer<String> errors;
  private final String id;

  /** Guarded by this object's monitor. */
  private boolean closed;

  SelfRegistration(CuratorFramework client, String servicePath, ServiceInstance<Object> self,
      RegistrationSerializer serializer, Consumer<String> errors) {
    this.client = client;
    this.id = self.getId();
    this.path = ZKPaths.makePath(servicePath, id);
    try {
      this.data = serializer.serialize(self);
    } catch (Exception e) {
      throw new IllegalStateException("cannot serialise the registration of " + id, e);
    }
    this.errors = errors;
  }

  /** Creates the node in the background (again, after a reconnection). */
  void register() {
    if (!isClosed()) {
      create(ATTEMPTS);
    }
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /*
   * The callbacks below take no lock while they report an error: the owner calls register() and close()
   * holding its own monitor, and reports errors under it, so reporting under this one could deadlock.
   */

  private void create(int attemptsLeft) {
    try {
      client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
          .inBackground((c, event) -> onCreated(event, attemptsLeft)).forPath(path, data);
    } catch (Exception e) {
      errors.accept("cannot register " + id + " at " + path + ": " + e);
    }
  }

  private void onCreated(CuratorEvent event, int attemptsLeft) {
    KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
    if (isClosed()) {
      if (code == KeeperException.Code.OK) {
        deleteInBackground(); // created after close: take it back
      }
      return;
    }
    if (code == KeeperException.Code.NODEEXISTS && attemptsLeft > 1) {
      try {
        client.delete().inBackground((c, e) -> afterDelete(e, attemptsLeft - 1)).forPath(path);
      } catch (Exception e) {
        errors.accept("cannot register " + id + " at " + path + ": " + e);
      }
    } else if (code != KeeperException.Code.OK) {
      errors.accept("cannot register " + id + " at " + path + ": " + code);
    }
  }

  private void afterDelete(CuratorEvent event, int attemptsLeft) {
    KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
    if (isClosed()) {
      return;
    }
    if (code == KeeperException.Code.OK || code == KeeperException.Code.NONODE) {
      create(attemptsLeft);
    } else {
      errors.accept("cannot replace the registration of " + id + " at " + path + ": " + code);
    }
  }

  /** Unregisters in the background; never blocks. Idempotent. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    deleteInBackground();
  }

  private void deleteInBackground() {
    try {
      client.delete().guaranteed().inBackground().forPath(path);
    } catch (Exception e) {
      errors.accept("cannot unregister " + id + " at " + path + ": " + e);
    }
  }
}
