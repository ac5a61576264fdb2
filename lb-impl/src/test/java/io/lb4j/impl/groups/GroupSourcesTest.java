package io.lb4j.impl.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a standby's backends join a group's pool, and how one source feeds several pools. Pure, no threads. */
class GroupSourcesTest {

  private static final Backend P0 = Backend.of("p0", "10.0.0.1", 80);
  private static final Backend P3 = Backend.builder("p3", "10.0.0.2", 80).priority(3).build();
  private static final Backend S = Backend.builder("s", "10.0.0.9", 80).priority(7).build();

  /** A source the test drives by hand. */
  static final class HandSource implements BackendSource {
    Subscriber subscriber;
    int starts;
    int refreshes;
    boolean closed;

    @Override
    public String description() {
      return "hand";
    }

    @Override
    public void start(Subscriber s) {
      starts++;
      subscriber = s;
    }

    @Override
    public void refresh() {
      refreshes++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Records what a pool would be given. */
  static final class Received implements BackendSource.Subscriber {
    final List<List<Backend>> lists = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    @Override
    public void onBackends(List<Backend> backends) {
      lists.add(backends);
    }

    @Override
    public void onError(String error) {
      errors.add(error);
    }

    List<String> last() {
      return lists.get(lists.size() - 1).stream().map(b -> b.id() + " p" + b.priority()
          + (Standby.isStandby(b) ? " standby of " + b.metadata().get(Standby.METADATA_KEY) : "")).toList();
    }
  }

  @Test
  void merge_putsTheStandbyOneTierAboveTheGroupsHighest_markedAsStandby() {
    List<Backend> merged = Standby.merge(List.of(P0, P3), List.of(S, Backend.of("p0", "10.9.9.9", 1)), "dr");
    assertThat(merged).extracting(b -> b.id() + " p" + b.priority()).containsExactly("p0 p0", "p3 p3", "s p4");
    assertThat(merged.get(2).metadata()).containsEntry(Standby.METADATA_KEY, "dr");
    assertThat(Standby.isStandby(merged.get(0))).isFalse();
    assertThat(Standby.tier(List.of())).isEqualTo(1);
    assertThat(Standby.tier(List.of(P0.withPriority(Backend.MAX_PRIORITY)))).isEqualTo(Backend.MAX_PRIORITY);
    assertThat(Standby.merge(List.of(P0), List.of(), "dr")).containsExactly(P0);
  }

  @Test
  void sharedSource_startsOnce_feedsEveryTap_andClosesWithTheLastTap() {
    HandSource source = new HandSource();
    SharedSource shared = new SharedSource(source);
    BackendSource a = shared.tap();
    BackendSource b = shared.tap();
    Received ra = new Received();
    Received rb = new Received();
    a.start(ra);
    source.subscriber.onBackends(List.of(P0));
    b.start(rb);
    assertThat(source.starts).isEqualTo(1);
    assertThat(rb.lists).as("a tap started later gets the last list at once").containsExactly(List.of(P0));
    source.subscriber.onError("NXDOMAIN");
    assertThat(ra.errors).containsExactly("NXDOMAIN");
    assertThat(rb.errors).containsExactly("NXDOMAIN");
    b.refresh();
    assertThat(source.refreshes).isEqualTo(1);
    a.close();
    assertThat(source.closed).isFalse();
    b.close();
    b.close();
    assertThat(source.closed).isTrue();
    assertThatThrownBy(shared::tap).isInstanceOf(IllegalStateException.class)
        .hasMessage("the shared source hand is closed");
  }

  @Test
  void standbySource_deliversNothingBeforeTheGroupsOwnList_thenTheMergeAtEachChange() {
    HandSource primary = new HandSource();
    HandSource standby = new HandSource();
    StandbySource merged = new StandbySource(null, primary, null, standby, "dr");
    Received r = new Received();
    merged.start(r);
    standby.subscriber.onBackends(List.of(S));
    assertThat(r.lists).as("the standby alone is never the group").isEmpty();
    primary.subscriber.onBackends(List.of(P0));
    assertThat(r.last()).containsExactly("p0 p0", "s p1 standby of dr");
    primary.subscriber.onBackends(List.of(P0, P3));
    assertThat(r.last()).containsExactly("p0 p0", "p3 p3", "s p4 standby of dr");
    standby.subscriber.onError("timeout");
    assertThat(r.errors).containsExactly("standby: timeout");
    merged.refresh();
    assertThat(primary.refreshes + standby.refreshes).isEqualTo(2);
    merged.close();
    assertThat(primary.closed && standby.closed).isTrue();
    assertThat(merged.description()).isEqualTo("hand with standby dr (hand)");
  }

  @Test
  void standbySource_withAListedGroup_deliversAtStart() {
    HandSource standby = new HandSource();
    StandbySource merged = new StandbySource(List.of(P0), null, null, standby, "dr");
    Received r = new Received();
    merged.start(r);
    assertThat(r.last()).containsExactly("p0 p0");
    standby.subscriber.onBackends(List.of(S));
    assertThat(r.last()).containsExactly("p0 p0", "s p1 standby of dr");
  }
}
