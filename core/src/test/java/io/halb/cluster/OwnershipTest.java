package io.halb.cluster;

import io.halb.cluster.Ownership.Member;
import io.halb.cluster.Ownership.Vip;
import io.halb.config.ClusterConfig.ClusterMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.halb.config.ClusterConfig.ClusterMode.ACTIVE_ACTIVE;
import static io.halb.config.ClusterConfig.ClusterMode.ACTIVE_STANDBY;
import static org.assertj.core.api.Assertions.assertThat;

class OwnershipTest {

    private static final List<Vip> VIPS = List.of(vip("198.18.0.100"), vip("198.18.0.101"), vip("198.18.0.102"));

    private static Vip vip(String a) {
        return new Vip(a, Optional.empty());
    }

    private static Member m(String name, int priority) {
        return new Member(name, priority, true);
    }

    private static Map<String, String> assign(ClusterMode mode, boolean preempt, int configured, List<Member> members,
                                              Map<String, Set<String>> previous) {
        return Ownership.assign(mode, preempt, configured, members, VIPS, previous);
    }

    @Test
    void activeStandbyGivesEveryVipToTheHighestPriority() {
        Map<String, String> a = assign(ACTIVE_STANDBY, true, 2, List.of(m("lb2", 90), m("lb1", 100)), Map.of());
        assertThat(a).hasSize(3).allSatisfy((vip, node) -> assertThat(node).isEqualTo("lb1"));
    }

    @Test
    void activeStandbyBreaksPriorityTiesByName() {
        Map<String, String> a = assign(ACTIVE_STANDBY, true, 2, List.of(m("lb2", 100), m("lb1", 100)), Map.of());
        assertThat(a.values()).containsOnly("lb1");
    }

    @Test
    void withoutPreemptionTheCurrentHolderKeepsTheVipsWhileAlive() {
        Map<String, Set<String>> previous = Map.of("198.18.0.100", Set.of("lb2"));
        Map<String, String> a = assign(ACTIVE_STANDBY, false, 2, List.of(m("lb2", 90), m("lb1", 100)), previous);
        assertThat(a.values()).containsOnly("lb2");
        Map<String, String> preempted = assign(ACTIVE_STANDBY, true, 2, List.of(m("lb2", 90), m("lb1", 100)), previous);
        assertThat(preempted.values()).containsOnly("lb1");
    }

    @Test
    void withoutPreemptionADeadHolderIsReplacedByTheHighestPriority() {
        Map<String, Set<String>> previous = Map.of("198.18.0.100", Set.of("lb3"));
        Map<String, String> a = assign(ACTIVE_STANDBY, false, 3, List.of(m("lb2", 90), m("lb1", 100)), previous);
        assertThat(a.values()).containsOnly("lb1");
    }

    @Test
    void afterAMergeWithoutPreemptionTheBestOfTheHoldersKeepsThem() {
        Map<String, Set<String>> previous = Map.of("198.18.0.100", Set.of("lb2", "lb3"));
        Map<String, String> a = assign(ACTIVE_STANDBY, false, 3,
                List.of(m("lb1", 100), m("lb2", 90), m("lb3", 80)), previous);
        assertThat(a.values()).containsOnly("lb2");
    }

    @Test
    void ineligibleMembersHoldNothing() {
        List<Member> members = List.of(new Member("lb1", 100, false), m("lb2", 90));
        assertThat(assign(ACTIVE_STANDBY, true, 2, members, Map.of()).values()).containsOnly("lb2");
        assertThat(assign(ACTIVE_STANDBY, true, 2, List.of(new Member("lb1", 100, false)), Map.of())).isEmpty();
    }

    @Test
    void aMinorityOfThreeOrMoreConfiguredNodesHoldsNothing() {
        assertThat(assign(ACTIVE_ACTIVE, true, 3, List.of(m("lb1", 100)), Map.of())).isEmpty();
        assertThat(assign(ACTIVE_ACTIVE, true, 4, List.of(m("lb1", 100), m("lb2", 100)), Map.of())).isEmpty();
        assertThat(assign(ACTIVE_ACTIVE, true, 3, List.of(m("lb1", 100), m("lb2", 100)), Map.of())).hasSize(3);
        // Two configured nodes: no quorum rule, the track check decides.
        assertThat(assign(ACTIVE_STANDBY, true, 2, List.of(m("lb1", 100)), Map.of())).hasSize(3);
    }

    @Test
    void activeActiveSpreadsVipsAndMovesOnlyTheDeadNodesVips() {
        List<Vip> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(vip("198.18.1." + i));
        }
        List<Member> three = List.of(m("lb1", 100), m("lb2", 100), m("lb3", 100));
        Map<String, String> before = Ownership.assign(ACTIVE_ACTIVE, true, 3, three, many, Map.of());
        Map<String, Integer> counts = new HashMap<>();
        before.values().forEach(n -> counts.merge(n, 1, Integer::sum));
        assertThat(counts).hasSize(3).allSatisfy((n, c) -> assertThat(c).isBetween(10, 30));

        Map<String, String> after = Ownership.assign(ACTIVE_ACTIVE, true, 3, three.subList(0, 2), many, Map.of());
        before.forEach((vip, owner) -> {
            if (!owner.equals("lb3")) {
                assertThat(after.get(vip)).as(vip).isEqualTo(owner);
            } else {
                assertThat(after.get(vip)).as(vip).isIn("lb1", "lb2");
            }
        });
    }

    @Test
    void activeActiveHonoursAPreferredNodeWhileItIsEligible() {
        List<Vip> vips = List.of(new Vip("198.18.0.100", Optional.of("lb2")), new Vip("198.18.0.101", Optional.of("lb3")));
        List<Member> members = List.of(m("lb1", 100), m("lb2", 100), m("lb3", 100));
        assertThat(Ownership.assign(ACTIVE_ACTIVE, true, 3, members, vips, Map.of()))
                .containsEntry("198.18.0.100", "lb2").containsEntry("198.18.0.101", "lb3");
        Map<String, String> lb3Gone = Ownership.assign(ACTIVE_ACTIVE, true, 3, members.subList(0, 2), vips, Map.of());
        assertThat(lb3Gone.get("198.18.0.101")).isIn("lb1", "lb2");
    }

    @Test
    void activeActiveWithoutPreemptionKeepsAVipOnItsHolder() {
        List<Vip> vips = List.of(new Vip("198.18.0.100", Optional.of("lb2")));
        List<Member> members = List.of(m("lb1", 100), m("lb2", 100));
        assertThat(Ownership.assign(ACTIVE_ACTIVE, false, 2, members, vips, Map.of("198.18.0.100", Set.of("lb1"))))
                .containsEntry("198.18.0.100", "lb1");
    }

    @Test
    void everyNodeComputesTheSameAnswerWhateverTheMemberOrder() {
        List<Member> a = List.of(m("lb1", 100), m("lb2", 100), m("lb3", 100));
        List<Member> b = List.of(m("lb3", 100), m("lb1", 100), m("lb2", 100));
        assertThat(assign(ACTIVE_ACTIVE, true, 3, a, Map.of())).isEqualTo(assign(ACTIVE_ACTIVE, true, 3, b, Map.of()));
    }
}
