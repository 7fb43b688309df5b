package io.halb.jmh;

import io.halb.balance.Balancer;
import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.balance.ServerState;
import io.halb.config.Algorithm;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of the first pick after a weight or state changed: the balancer rebuilds (or checks and
 * keeps) its table (tier, schedule, draw table, Maglev table) on that pick, on an event loop. Weights go 1..maxWeight
 * round the servers, so a weighted round-robin cycle has about {@code maxWeight / 2} slots per server.
 *
 * <p>{@code java -jar jmh/target/halb-jmh.jar BalancerRebuildBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BalancerRebuildBenchmark {

    @Param({"least_connections", "weighted_round_robin", "random", "uri_hash"})
    public String algorithm;

    @Param({"10", "1000"})
    public int servers;

    /** Largest weight: servers get 1..maxWeight in turn (256 is a cycle of ~128 slots per server). */
    @Param({"4", "256"})
    public int maxWeight;

    /** What changes before each pick: a server's weight (3 and 1 in turn) or its state (down and up). */
    @Param({"weight", "state"})
    public String change;

    private Balancer balancer;
    private Endpoint changing;
    private PickContext request;
    private boolean flip;

    @Setup
    public void setUp() throws Exception {
        List<Endpoint> endpoints = BalancerBenchmark.endpoints(servers);
        for (int i = 0; i < servers; i++) {
            endpoints.get(i).weight(1 + i % maxWeight);
        }
        Algorithm a = Algorithm.valueOf(algorithm.toUpperCase(Locale.ROOT));
        balancer = Balancer.of(BalancerBenchmark.pool(a, Optional.empty(), servers), endpoints);
        changing = endpoints.get(0);
        InetAddress client = InetAddress.getByName("10.0.0.1");
        request = new PickContext() {
            @Override
            public InetAddress clientAddress() {
                return client;
            }

            @Override
            public String uri() {
                return "/a";
            }
        };
    }

    @Benchmark
    public Endpoint pickAfterChange() {
        flip = !flip;
        if (change.equals("weight")) {
            changing.weight(flip ? 3 : 1);
        } else {
            changing.state(flip ? ServerState.DOWN : ServerState.UP);
        }
        return balancer.pick(request);
    }
}
