package io.lb4j.impl.groups;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.util.List;

/**
 * The source of a group's pool when the group or its standby takes its backends from a source: each part is a
 * fixed list or a source (a {@link SharedSource} tap), and every change of either delivers the merged list
 * ({@link Standby#merge}). Nothing is delivered before the group's own part has delivered once, so the pool
 * never takes the standby's backends for the whole group; until the standby's part delivers, it counts as
 * empty. Errors are forwarded with the part they come from.
 *
 * <p>Thread-safe: the parts deliver on their own threads; deliveries are serialised under the lock.
 */
final class StandbySource implements BackendSource {

  private final List<Backend> primaryList;
  private final BackendSource primarySource;
  private final List<Backend> standbyList;
  private final BackendSource standbySource;
  private final String description;
  private final String standbyName;
  private Subscriber subscriber;
  private List<Backend> primary;
  private List<Backend> standby;

  /**
   * @param primaryList the group's listed backends, or null when {@code primarySource} provides them
   * @param primarySource the group's source, or null
   * @param standbyList the standby's listed backends, or null when {@code standbySource} provides them
   * @param standbySource the standby's source, or null
   * @param standbyName the standby group's name, for the description and errors
   */
  StandbySource(List<Backend> primaryList, BackendSource primarySource, List<Backend> standbyList,
      BackendSource standbySource, String standbyName) {
    this.primaryList = primaryList;
    this.primarySource = primarySource;
    this.standbyList = standbyList;
    this.standbySource = standbySource;
    this.standbyName = standbyName;
    this.description = (primarySource != null ? primarySource.description() : primaryList.size() + " listed backends")
        + " with standby " + standbyName + " (" + (standbySource != null ? standbySource.description()
            : standbyList.size() + " listed backends") + ")";
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void start(Subscriber s) {
    synchronized (this) {
      if (subscriber != null) {
        throw new IllegalStateException("source " + description + " starts once");
      }
      subscriber = s;
      primary = primaryList;
      standby = standbyList != null ? standbyList : List.of();
      if (primary != null) {
        deliver();
      }
    }
    if (primarySource != null) {
      primarySource.start(part(true));
    }
    if (standbySource != null) {
      standbySource.start(part(false));
    }
  }

  private Subscriber part(boolean isPrimary) {
    return new Subscriber() {
      @Override
      public void onBackends(List<Backend> backends) {
        synchronized (StandbySource.this) {
          if (isPrimary) {
            primary = backends;
          } else {
            standby = backends;
          }
          if (primary != null) {
            deliver();
          }
        }
      }

      @Override
      public void onError(String error) {
        synchronized (StandbySource.this) {
          subscriber.onError((isPrimary ? "" : "standby: ") + error);
        }
      }
    };
  }

  private void deliver() {
    subscriber.onBackends(Standby.merge(primary, standby, standbyName));
  }

  @Override
  public void refresh() {
    if (primarySource != null) {
      primarySource.refresh();
    }
    if (standbySource != null) {
      standbySource.refresh();
    }
  }

  @Override
  public void close() {
    if (primarySource != null) {
      primarySource.close();
    }
    if (standbySource != null) {
      standbySource.close();
    }
  }
}
