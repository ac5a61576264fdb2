package io.lb4j.api.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.discovery.BackendSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Server groups and a listener's routing: every problem refused at build, with the group or rule and why. */
class RoutingTest {

  private static final Backend A = Backend.of("a", "10.0.0.1", 80);
  private static final Backend B = Backend.of("b", "10.0.0.2", 80);

  @Test
  void oneGroup_isTheDefaultOfEveryRequest() {
    Routing r = Routing.of(ServerGroup.of("web", List.of(A)));
    assertThat(r.rules().defaultGroup()).isEqualTo("web");
    assertThat(r.rules().rules()).isEmpty();
    assertThat(r.routedGroups()).containsExactly("web");
  }

  @Test
  void standbyOf_isTheGroupsOwn_elseTheListeners_neverItself() {
    Routing r = Routing.builder()
        .group(ServerGroup.builder("web").backend(A).standby("dr").build())
        .group(ServerGroup.of("api", List.of(B)))
        .group(ServerGroup.of("dr", List.of(Backend.of("d", "10.0.0.9", 80))))
        .group(ServerGroup.of("spare", List.of(Backend.of("s", "10.0.0.8", 80))))
        .rules(ForwardingRules.builder().rule(null, "/api", "api").defaultGroup("web").build())
        .standby("spare").build();
    assertThat(r.standbyOf("web")).isEqualTo("dr");
    assertThat(r.standbyOf("api")).isEqualTo("spare");
    assertThat(r.standbyOf("spare")).isNull();
    assertThat(r.routedGroups()).as("standby-only groups get no pool of their own").containsExactly("api", "web");
  }

  @Test
  void build_reportsEveryProblem_withTheGroupOrRuleAndWhy() {
    assertThatThrownBy(() -> Routing.builder()
        .group(ServerGroup.builder("web").backend(A).standby("dr").build())
        .group(ServerGroup.builder("dr").backend(A).standby("dr2").build())
        .group(ServerGroup.of("dr2", List.of()))
        .group(ServerGroup.of("dr2", List.of()))
        .rules(ForwardingRules.builder().rule(null, "/api", "api").defaultGroup("nope").build())
        .standby("missing").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("routing: group name 'dr2' is used twice; rule #1 (*/api -> api) names group 'api', which is not"
            + " defined; the default group 'nope' is not defined; the listener's standby group 'missing' is not"
            + " defined; group 'web' has standby 'dr', which has a standby of its own ('dr2'): standby groups do"
            + " not chain; group 'web' and its standby 'dr' both list backend id 'a': they share one pool, where"
            + " ids are unique");
    assertThatThrownBy(() -> Routing.builder().group(ServerGroup.of("a", List.of()))
        .group(ServerGroup.of("b", List.of())).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("routing: 2 groups need forwarding rules or a default group to tell them apart");
    assertThatThrownBy(() -> Routing.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("routing needs at least one server group");
  }

  @Test
  void serverGroup_checksItsNameAndItsParts() {
    assertThatThrownBy(() -> ServerGroup.builder("a/b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("forwardingRule.group must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.', was 'a/b' (character"
            + " '/' at index 1 is not allowed)");
    assertThatThrownBy(() -> ServerGroup.builder("g").backend(A).backend(A).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("serverGroup g: backend ids must be unique, was 'a' twice");
    assertThatThrownBy(() -> ServerGroup.builder("g").standby("g").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("serverGroup g: a group cannot be its own standby");
    BackendSource source = new BackendSource() {
      @Override
      public String description() {
        return "file backends.txt";
      }

      @Override
      public void start(Subscriber subscriber) {}

      @Override
      public void refresh() {}

      @Override
      public void close() {}
    };
    assertThatThrownBy(() -> ServerGroup.builder("g").backend(A).source(source).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("serverGroup g: backends and source are exclusive (a source owns the membership), was 1 backends"
            + " and file backends.txt");
  }

  @Test
  void serverGroupEquality_comparesAttributes_andTheSourceByIdentity() {
    ServerGroup g = ServerGroup.of("g", List.of(A));
    assertThat(ServerGroup.of("g", List.of(A))).isEqualTo(g);
    assertThat(ServerGroup.of("g", List.of(A.withWeight(5)))).as("a weight is part of the group").isNotEqualTo(g);
    assertThat(g.toBuilder().settings(PoolSettings.defaults()).build()).isNotEqualTo(g);
    assertThat(g.toBuilder().build()).isEqualTo(g);
  }
}
