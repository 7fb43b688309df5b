package io.halb.balance;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The algorithms that look at the load of each server (least connections, weighted least
 * connections, power of two choices, least response time, bounded-load hashing), through a real
 * halb to real backends that hold every request for a while.
 *
 * <p>How in-flight counts are measured: {@code clients} threads each send a request on their own
 * kept-alive connection, wait for the answer and send the next, so requests travel in waves: all
 * of them are held by the backends for the backend's delay, then they come back within a few
 * milliseconds and the next wave is placed. Between two waves the load is still (the plateau).
 * A backend's in-flight count is what it received minus what the clients got back from it, so a
 * request counts from its arrival at the backend until its answer reaches the client. A sample is
 * kept only when no answer arrived while it was read and every client's request is at a backend.
 */
class InFlightBalancingIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: {{algorithm}}
                servers:
                  - {name: a, address: "{{a}}", weight: {{wa}}}
                  - {name: b, address: "{{b}}", weight: {{wb}}}
                  - {name: c, address: "{{c}}", weight: {{wc}}}
            timeouts: {connect: 2s, header_read: 10s, client_idle: 30s, server: 20s, upstream_idle: 30s, shutdown: 5s}
            """;

    private static final Duration LONG = Duration.ofMillis(500);
    private static final int CLIENTS = 30;
    /** Plateaus sampled per test: the first fill of an idle pool and two refills after a wave. */
    private static final int WAVES = 3;
    /** Plateaus whose mean spread the power-of-two test takes (see there why so many). */
    private static final int P2C_PLATEAUS = 40;

    /**
     * Placing each request on the least loaded server, with ties going round, fills 30 requests as
     * 10, 10 and 10 and refills every hole a wave leaves the same way; only two event loops reading
     * the same count at the same instant could make it 11, 10, 9.
     */
    @Test
    void leastConnectionsKeepsInFlightCountsWithinOneOfEachOther() throws Exception {
        try (TestBackend a = TestBackend.builder("a").delay(LONG).start();
             TestBackend b = TestBackend.builder("b").delay(LONG).start();
             TestBackend c = TestBackend.builder("c").delay(LONG).start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, vars("least_connections", 1, 1, 1, a, b, c));
             Load load = new Load(halb.address("web"), CLIENTS, i -> RawClient.get("app.test", "/long"))) {
            List<Sample> plateaus = plateaus(halb, load, CLIENTS, WAVES, a, b, c);
            System.out.println("least_connections, 30 clients, 3 x 500 ms backends, in flight (backend / halb): " + plateaus);
            for (Sample s : plateaus) {
                assertThat(s.spread()).as("max - min of %s", s).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void weightedLeastConnectionsKeepsInFlightCountsProportionalToWeights() throws Exception {
        int[] weights = {1, 2, 3};
        try (TestBackend a = TestBackend.builder("a").delay(LONG).start();
             TestBackend b = TestBackend.builder("b").delay(LONG).start();
             TestBackend c = TestBackend.builder("c").delay(LONG).start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, vars("weighted_least_connections", 1, 2, 3, a, b, c));
             Load load = new Load(halb.address("web"), CLIENTS, i -> RawClient.get("app.test", "/long"))) {
            List<Sample> plateaus = plateaus(halb, load, CLIENTS, WAVES, a, b, c);
            System.out.println("weighted_least_connections 1:2:3, 30 clients, 3 x 500 ms backends, in flight: " + plateaus);
            for (Sample s : plateaus) {
                for (int i = 0; i < weights.length; i++) {
                    // The weighted shares of 30 are 5, 10 and 15.
                    double share = CLIENTS * weights[i] / 6.0;
                    assertThat((double) s.backend()[i]).as("server %d (weight %d) in %s", i, weights[i], s)
                            .isBetween(share - 1, share + 1);
                }
            }
        }
    }

    /**
     * Power of two choices does not settle at an even spread as least connections does: with three
     * servers the pair drawn leaves out the least loaded server one time in three, and a tie goes
     * to the first drawn. Measured through halb (60 plateaus of this test, 30 clients on 3 servers
     * of 100 ms): max - min was 0 at 45% of the plateaus, 2 at 37%, 3 at 17%, 4 at 2%, mean 1.30.
     * So the "max - min <= 2" holds at most plateaus but not at all of them: asserted at
     * each of a few plateaus, it would fail a correct balancer in most runs. What stays small is
     * the spread on average, and that is asserted here: the mean over {@value #P2C_PLATEAUS}
     * plateaus is at most 2. Drawing plateaus independently from the measured distribution, a
     * mean above 2 happens in 1.4e-4 of runs (1.1e-3 with a heavier tail of 3% of plateaus at 4
     * or 5); placing requests at random instead gives a mean spread of 5.3 and fails every time.
     */
    @Test
    void powerOfTwoKeepsTheInFlightSpreadSmallOnAverage() throws Exception {
        Duration delay = Duration.ofMillis(100);
        try (TestBackend a = TestBackend.builder("a").delay(delay).start();
             TestBackend b = TestBackend.builder("b").delay(delay).start();
             TestBackend c = TestBackend.builder("c").delay(delay).start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, vars("power_of_two", 1, 1, 1, a, b, c));
             Load load = new Load(halb.address("web"), CLIENTS, i -> RawClient.get("app.test", "/long"))) {
            List<Sample> plateaus = plateaus(halb, load, CLIENTS, P2C_PLATEAUS, a, b, c);
            Map<Integer, Integer> spreads = new TreeMap<>();
            plateaus.forEach(s -> spreads.merge(s.spread(), 1, Integer::sum));
            double mean = plateaus.stream().mapToInt(Sample::spread).average().orElseThrow();
            System.out.printf("power_of_two, 30 clients, 3 x 100 ms backends: max - min at %d plateaus %s, mean %.2f%n",
                    plateaus.size(), spreads, mean);
            assertThat(mean).as("mean max - min over the plateaus %s", plateaus).isLessThanOrEqualTo(2.0);
        }
    }

    @Test
    void powerOfTwoGivesATenTimesSlowerServerLessThanItsThird() throws Exception {
        Map<String, Integer> counts = slowServerShare("power_of_two", 2_000);
        double slow = counts.getOrDefault("slow", 0) / (double) total(counts);
        System.out.printf("power_of_two, 10 clients, 5/5/50 ms: %s, slow share %.1f%%%n", counts, 100 * slow);
        assertThat(slow).as("share of the slow server in %s", counts).isLessThan(1 / 3.0);
    }

    @Test
    void leastResponseTimeSendsMostTrafficAwayFromATenTimesSlowerServer() throws Exception {
        Map<String, Integer> counts = slowServerShare("least_response_time", 2_000);
        double slow = counts.getOrDefault("slow", 0) / (double) total(counts);
        System.out.printf("least_response_time, 10 clients, 5/5/50 ms: %s, slow share %.1f%%%n", counts, 100 * slow);
        assertThat(slow).as("share of the slow server in %s", counts).isLessThan(0.15);
    }

    /**
     * Every request carries the same key, so without a bound all 20 would wait on one server. With
     * {@code hash_balance_factor: 125} a server is full at {@code ceil(1.25 * (in flight + 1) / 4)}
     * requests, 7 when the 20th is placed: no server holds more than 1.25 times the average of 5,
     * plus one for the rounding up.
     */
    @Test
    void hashBalanceFactorSpreadsAHotKeySoNoServerExceedsItsBound() throws Exception {
        int clients = 20;
        Duration delay = Duration.ofMillis(300);
        try (TestBackend s1 = TestBackend.builder("s1").delay(delay).start();
             TestBackend s2 = TestBackend.builder("s2").delay(delay).start();
             TestBackend s3 = TestBackend.builder("s3").delay(delay).start();
             TestBackend s4 = TestBackend.builder("s4").delay(delay).start();
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                     pools:
                       - name: web
                         algorithm: hash
                         hash_key: "header:X-User"
                         hash_balance_factor: 125
                         servers:
                           - {name: s1, address: "{{s1}}"}
                           - {name: s2, address: "{{s2}}"}
                           - {name: s3, address: "{{s3}}"}
                           - {name: s4, address: "{{s4}}"}
                     """, Map.of("s1", s1, "s2", s2, "s3", s3, "s4", s4));
             Load load = new Load(halb.address("web"), clients,
                     i -> RawClient.get("app.test", "/hot/" + i, "X-User: hot"))) {
            List<Sample> plateaus = plateaus(halb, load, clients, WAVES, s1, s2, s3, s4);
            System.out.println("hash header:X-User, one hot key, hash_balance_factor 125, 20 clients, 4 x 300 ms: " + plateaus);
            double bound = 1.25 * clients / 4.0 + 1;
            for (Sample s : plateaus) {
                assertThat(Arrays.stream(s.backend()).max().orElseThrow()).as("busiest server in %s", s)
                        .isLessThanOrEqualTo((int) bound);
            }
        }
    }

    /**
     * Two servers answering in 5 ms and one in 50 ms, under 10 clients; returns answers per server
     * once {@code requests} have been answered.
     */
    private static Map<String, Integer> slowServerShare(String algorithm, int requests) throws Exception {
        try (TestBackend fast1 = TestBackend.builder("fast1").delay(Duration.ofMillis(5)).start();
             TestBackend fast2 = TestBackend.builder("fast2").delay(Duration.ofMillis(5)).start();
             TestBackend slow = TestBackend.builder("slow").delay(Duration.ofMillis(50)).start();
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                     pools:
                       - name: web
                         algorithm: {{algorithm}}
                         servers:
                           - {name: fast1, address: "{{fast1}}"}
                           - {name: fast2, address: "{{fast2}}"}
                           - {name: slow, address: "{{slow}}"}
                     """, Map.of("algorithm", algorithm, "fast1", fast1, "fast2", fast2, "slow", slow))) {
            Map<String, Integer> counts;
            try (Load load = new Load(halb.address("web"), 10, i -> RawClient.get("app.test", "/t/" + i))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> load.answered() >= requests);
                load.stop();
                counts = load.counts();
            }
            return counts;
        }
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static Map<String, Object> vars(String algorithm, int wa, int wb, int wc, TestBackend a, TestBackend b,
                                            TestBackend c) {
        return Map.of("algorithm", algorithm, "wa", wa, "wb", wb, "wc", wc, "a", a, "b", b, "c", c);
    }

    /**
     * In-flight counts at one moment: at the backends (received and not yet answered to a client),
     * and as halb counts them ({@link Endpoint#inFlight()}), in the order of the backends given.
     */
    record Sample(int wave, int[] backend, int[] halb) {
        int spread() {
            return Arrays.stream(backend).max().orElseThrow() - Arrays.stream(backend).min().orElseThrow();
        }

        @Override
        public String toString() {
            return Arrays.toString(backend) + "/" + Arrays.toString(halb);
        }
    }

    /**
     * Samples the in-flight counts every 10 ms until it has seen {@code waves} plateaus, and
     * returns one sample per plateau (every sample taken during a plateau must agree with it: the
     * load does not move while every request waits at a backend).
     */
    private static List<Sample> plateaus(HalbFixture halb, Load load, int clients, int waves, TestBackend... backends) {
        Map<String, Endpoint> endpoints = halb.halb().endpoints("web").stream()
                .collect(Collectors.toMap(Endpoint::name, e -> e));
        Map<Integer, Sample> byWave = new LinkedHashMap<>();
        List<String> disagreements = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            load.assertNoFailures();
            Sample s = sample(load, endpoints, backends);
            if (s != null && Arrays.stream(s.backend()).sum() == clients) {
                Sample first = byWave.putIfAbsent(s.wave(), s);
                if (first != null && !Arrays.equals(first.backend(), s.backend())) {
                    disagreements.add(first + " then " + s);
                }
            }
            return byWave.size() >= waves;
        });
        assertThat(disagreements).as("in-flight counts that moved during a plateau").isEmpty();
        return List.copyOf(byWave.values());
    }

    /** A consistent sample, or null when an answer arrived while it was read. */
    private static Sample sample(Load load, Map<String, Endpoint> endpoints, TestBackend... backends) {
        int[] answeredBefore = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            answeredBefore[i] = load.answered(backends[i].name());
        }
        int[] received = new int[backends.length];
        int[] inHalb = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            received[i] = backends[i].requests();
            inHalb[i] = endpoints.get(backends[i].name()).inFlight();
        }
        int[] inFlight = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            if (load.answered(backends[i].name()) != answeredBefore[i]) {
                return null;
            }
            inFlight[i] = received[i] - answeredBefore[i];
        }
        return new Sample(Arrays.stream(answeredBefore).sum(), inFlight, inHalb);
    }

    /**
     * Closed-loop clients: each thread sends a request on its own kept-alive connection, waits for
     * the answer and sends the next, until stopped. Counts answers per backend (the first word of a
     * {@link TestBackend}'s body). Thread-safety: the accessors may be called from any thread.
     */
    static final class Load implements AutoCloseable {
        private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
        private final AtomicInteger total = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        /** @param request the bytes of a client's {@code i}th request */
        Load(InetSocketAddress address, int clients, IntFunction<String> request) {
            for (int t = 0; t < clients; t++) {
                Thread thread = new Thread(() -> run(address, request), "client-" + t);
                thread.setDaemon(true);
                threads.add(thread);
            }
            threads.forEach(Thread::start);
        }

        private void run(InetSocketAddress address, IntFunction<String> request) {
            try (RawClient client = RawClient.connect(address, Duration.ofSeconds(10), Duration.ofSeconds(60))) {
                for (int i = 0; running; i++) {
                    RawResponse r = client.write(request.apply(i)).readResponse();
                    if (r.status() != 200) {
                        failures.add(Thread.currentThread().getName() + ": " + r);
                        return;
                    }
                    answered.computeIfAbsent(r.bodyText().split(" ", 2)[0], k -> new AtomicInteger()).incrementAndGet();
                    total.incrementAndGet();
                }
            } catch (Exception e) {
                if (running) {
                    failures.add(Thread.currentThread().getName() + ": " + e);
                }
            }
        }

        int answered(String backend) {
            AtomicInteger n = answered.get(backend);
            return n == null ? 0 : n.get();
        }

        int answered() {
            return total.get();
        }

        Map<String, Integer> counts() {
            Map<String, Integer> counts = new TreeMap<>();
            answered.forEach((k, v) -> counts.put(k, v.get()));
            return counts;
        }

        void assertNoFailures() {
            assertThat(failures).as("failed requests").isEmpty();
        }

        /** Lets every client finish its request in flight, then fails if any request failed. */
        void stop() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(10_000);
                assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
            }
            assertNoFailures();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
