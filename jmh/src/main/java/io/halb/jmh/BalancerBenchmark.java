package io.halb.jmh;

import io.halb.balance.Balancer;
import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.config.Algorithm;
import io.halb.config.HashKey;
import io.halb.config.HealthConfig;
import io.halb.config.HostPort;
import io.halb.config.PersistenceConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
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
 * The cost of one {@link Balancer#pick} for every algorithm, over a pool of 10 or 1,000 servers
 * with weights 1..4, uneven in-flight counts and response times, and 1,024 distinct requests
 * (client, path, header, cookie) in turn so hash algorithms do not hit one cached slot.
 *
 * <p>{@code java -jar jmh/target/halb-jmh.jar BalancerBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancerBenchmark {

    @Param({"round_robin", "weighted_round_robin", "least_connections", "weighted_least_connections",
            "least_response_time", "random", "power_of_two", "source_ip_hash", "uri_hash", "hash",
            "resource_based"})
    public String algorithm;

    @Param({"10", "1000"})
    public int servers;

    private Balancer balancer;
    private PickContext[] requests;

    /** Per-thread position in {@link #requests}. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup
    public void setUp() throws UnknownHostException {
        Random random = new Random(42);
        List<Endpoint> endpoints = endpoints(servers);
        for (Endpoint e : endpoints) {
            e.onStart();
            e.onFinish(TimeUnit.MICROSECONDS.toNanos(200 + random.nextInt(2_000)), true);
            for (int i = random.nextInt(20); i > 0; i--) {
                e.onStart();
            }
        }
        Algorithm a = Algorithm.valueOf(algorithm.toUpperCase(Locale.ROOT));
        Optional<HashKey> key = a == Algorithm.HASH ? Optional.of(new HashKey.Cookie("session")) : Optional.empty();
        balancer = Balancer.of(pool(a, key, endpoints.size()), endpoints);
        requests = new PickContext[1024];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new Request(InetAddress.getByName("10.1." + (i >> 8) + "." + (i & 255)),
                    "/objects/" + random.nextInt(1_000_000) + "?v=" + i, "s" + random.nextLong());
        }
    }

    @Benchmark
    public Endpoint pick(Cursor cursor) {
        return balancer.pick(requests[cursor.next++ & 1023]);
    }

    static List<Endpoint> endpoints(int n) {
        List<Endpoint> endpoints = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int port = 10_000 + i;
            ServerConfig config = new ServerConfig("srv" + i, new HostPort("127.0.0.1", port), 1 + i % 4, false);
            endpoints.add(new Endpoint("bench", config, new InetSocketAddress("127.0.0.1", port)));
        }
        return endpoints;
    }

    static PoolConfig pool(Algorithm algorithm, Optional<HashKey> key, int n) {
        List<ServerConfig> configs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            configs.add(new ServerConfig("srv" + i, new HostPort("127.0.0.1", 10_000 + i), 1 + i % 4, false));
        }
        return new PoolConfig("bench", algorithm, key, PersistenceConfig.NONE, HealthConfig.NONE,
                Optional.empty(), 2, configs);
    }

    /** A request as the proxy would present it, without copies. */
    private record Request(InetAddress clientAddress, String uri, String session) implements PickContext {
        @Override
        public String cookie(String name) {
            return name.equals("session") ? session : null;
        }

        @Override
        public String header(String lowerCaseName) {
            return null;
        }
    }
}
