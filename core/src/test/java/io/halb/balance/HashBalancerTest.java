package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.halb.config.Algorithm;
import io.halb.config.HashKey;
import io.halb.config.ServerConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class HashBalancerTest {

    private static final int KEYS = 10_000;

    @Test
    void sendsAKeyToTheSameServerEveryTimeAndOnEveryNode() {
        Balancer one = Servers.equal(10).balancer(Algorithm.URI_HASH);
        Balancer other = Servers.equal(10).balancer(Algorithm.URI_HASH);

        for (int i = 0; i < 1_000; i++) {
            Requests request = Requests.any().uri("/item/" + i);
            String first = one.pick(request).name();
            assertThat(one.pick(request).name()).isEqualTo(first);
            assertThat(other.pick(request).name()).isEqualTo(first);
        }
    }

    @Test
    void spreadsKeysByWeight() {
        Servers servers = Servers.weighted(1, 2, 3);
        Balancer balancer = servers.balancer(Algorithm.SOURCE_IP_HASH);

        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 60_000; i++) {
            counts.merge(balancer.pick(Requests.from(ipv4(i))).name(), 1, Integer::sum);
        }

        assertThat(counts.get("s0") / 600.0).isCloseTo(100.0 / 6, within(2.0));
        assertThat(counts.get("s1") / 600.0).isCloseTo(200.0 / 6, within(2.0));
        assertThat(counts.get("s2") / 600.0).isCloseTo(300.0 / 6, within(2.0));
    }

    @Test
    void removingOneOfTenServersMovesAboutATenthOfTheKeys() {
        Servers ten = Servers.equal(10);
        Servers nine = Servers.of();
        for (int i = 0; i < 10; i++) {
            if (i != 3) {
                nine.add("s" + i, 1, false);
            }
        }
        List<String> before = map(ten.balancer(Algorithm.URI_HASH));
        List<String> after = map(nine.balancer(Algorithm.URI_HASH));

        double moved = movedPercent(before, after);
        int others = 0;
        for (int i = 0; i < KEYS; i++) {
            others += !before.get(i).equals("s3") && !before.get(i).equals(after.get(i)) ? 1 : 0;
        }

        System.out.printf("maglev remap, 1 of 10 servers removed (rebuilt): %.2f%% of %d keys, %.2f%% not its own%n",
                moved, KEYS, others * 100.0 / KEYS);
        assertThat(moved).isLessThanOrEqualTo(100.0 / 10 + 2);
    }

    @Test
    void aDownServerMovesOnlyItsOwnKeysAndGetsThemBack() {
        Servers servers = Servers.equal(10);
        Balancer balancer = servers.balancer(Algorithm.URI_HASH);
        List<String> before = map(balancer);

        servers.get("s3").state(ServerState.DOWN);
        List<String> down = map(balancer);
        servers.get("s3").state(ServerState.UP);
        List<String> back = map(balancer);

        double moved = movedPercent(before, down);
        System.out.printf("maglev remap, 1 of 10 servers down: %.2f%% of %d keys%n", moved, KEYS);
        assertThat(moved).isLessThanOrEqualTo(100.0 / 10 + 2);
        for (int i = 0; i < KEYS; i++) {
            if (!before.get(i).equals("s3")) {
                assertThat(down.get(i)).as("key %d", i).isEqualTo(before.get(i));
            }
        }
        assertThat(back).isEqualTo(before);
    }

    @Test
    void spreadsADownServersKeysOverTheOthers() {
        Servers servers = Servers.equal(10);
        Balancer balancer = servers.balancer(Algorithm.URI_HASH);
        List<String> before = map(balancer);
        servers.get("s3").weight(0);

        Map<String, Integer> heirs = new HashMap<>();
        List<String> after = map(balancer);
        for (int i = 0; i < KEYS; i++) {
            if (before.get(i).equals("s3")) {
                heirs.merge(after.get(i), 1, Integer::sum);
            }
        }

        assertThat(heirs).hasSize(9).doesNotContainKey("s3");
    }

    @Test
    void rebuildsWhenAWeightChanges() {
        Servers servers = Servers.equal(4);
        Balancer balancer = servers.balancer(Algorithm.URI_HASH);
        servers.get(0).weight(4);

        Map<String, Integer> counts = new HashMap<>();
        for (String name : map(balancer)) {
            counts.merge(name, 1, Integer::sum);
        }

        assertThat(counts.get("s0") * 100.0 / KEYS).isCloseTo(400.0 / 7, within(2.0));
    }

    @Test
    void boundedLoadKeepsEveryServerUnderItsCap() {
        Servers servers = Servers.equal(10);
        Balancer balancer = HashBalancer.of(servers.endpoints(), new HashKey.Header("x-user"), 125);
        Requests hot = Requests.any().header("x-user", "everyone-is-me");

        for (int total = 0; total < 1_000; total++) {
            balancer.pick(hot).onStart();
            int max = servers.endpoints().stream().mapToInt(Endpoint::inFlight).max().orElseThrow();
            // ceil(1.25 * (total + 1) / 10)
            assertThat(max).isLessThanOrEqualTo((125 * (total + 1) + 999) / 1000);
        }
    }

    @Test
    void boundedLoadKeepsKeysInPlaceUnderTheCap() {
        Servers servers = Servers.equal(10);
        Balancer plain = HashBalancer.of(servers.endpoints(), new HashKey.Uri(false), 0);
        Balancer bounded = HashBalancer.of(servers.endpoints(), new HashKey.Uri(false), 125);

        assertThat(map(bounded)).isEqualTo(map(plain));
    }

    @Test
    void requestsWithoutTheKeyGoRoundRobin() {
        Servers servers = Servers.equal(3);
        Balancer balancer = Balancer.of(servers.pool(Algorithm.HASH, Optional.of(new HashKey.Cookie("user"))),
                servers.endpoints());

        Map<String, Integer> counts = Servers.count(balancer, Requests.any(), 300);

        assertThat(counts).containsOnly(Map.entry("s0", 100), Map.entry("s1", 100), Map.entry("s2", 100));
    }

    @Test
    void hashesTheConfiguredKey() {
        Servers servers = Servers.equal(50);
        Balancer byPath = Balancer.of(servers.pool(Algorithm.URI_HASH), servers.endpoints());
        Balancer byTarget = Balancer.of(servers.pool(Algorithm.HASH, Optional.of(new HashKey.Uri(true))),
                servers.endpoints());
        Balancer byHeader = Balancer.of(servers.pool(Algorithm.HASH, Optional.of(new HashKey.Header("X-Tenant"))),
                servers.endpoints());

        int samePath = 0;
        int sameTarget = 0;
        for (int i = 0; i < 100; i++) {
            Requests a = Requests.any().uri("/p/" + i + "?page=1").header("x-tenant", "t" + i);
            Requests b = Requests.from("192.0.2.99").uri("/p/" + i + "?page=2").header("x-tenant", "t" + i);
            samePath += byPath.pick(a) == byPath.pick(b) ? 1 : 0;
            sameTarget += byTarget.pick(a) == byTarget.pick(b) ? 1 : 0;
            assertThat(byHeader.pick(a)).isSameAs(byHeader.pick(b));
        }
        assertThat(samePath).isEqualTo(100);
        assertThat(sameTarget).isLessThan(20);
    }

    @Test
    void hashesIpv6Clients() {
        Balancer balancer = Servers.equal(10).balancer(Algorithm.SOURCE_IP_HASH);

        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(balancer.pick(Requests.from("2001:db8::" + Integer.toHexString(i))).name(), 1, Integer::sum);
        }

        assertThat(counts).hasSize(10).allSatisfy((name, n) -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void sizesTablesForAboutAHundredSlotsPerServer() {
        assertThat(MaglevTable.sizeFor(10)).isEqualTo(65_537);
        assertThat(MaglevTable.sizeFor(1_000)).isEqualTo(100_003);
        assertThat(MaglevTable.sizeFor(5_000)).isEqualTo(500_009);
    }

    @Test
    void keepsSlotSharesCloseToWeightsInLargePools() {
        Servers servers = Servers.of();
        for (int i = 0; i < 1_000; i++) {
            servers.add("s" + i, i < 500 ? 1 : ServerConfig.MAX_WEIGHT / 128, false);
        }
        Balancer balancer = servers.balancer(Algorithm.URI_HASH);

        Map<Boolean, Integer> heavy = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            heavy.merge(balancer.pick(Requests.any().uri("/k" + i)).weight() == 2, 1, Integer::sum);
        }

        assertThat(heavy.get(true) / 1_000.0).isCloseTo(200.0 / 3, within(2.0));
    }

    private static List<String> map(Balancer balancer) {
        List<String> names = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            names.add(balancer.pick(Requests.any().uri("/object/" + i)).name());
        }
        return names;
    }

    private static double movedPercent(List<String> before, List<String> after) {
        int moved = 0;
        for (int i = 0; i < before.size(); i++) {
            moved += before.get(i).equals(after.get(i)) ? 0 : 1;
        }
        return moved * 100.0 / before.size();
    }

    private static String ipv4(int i) {
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }
}
