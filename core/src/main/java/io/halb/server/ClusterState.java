package io.halb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.balance.Endpoint;
import io.halb.cluster.ClusterNode;
import io.halb.cluster.Replicated;
import io.halb.persist.StickTable;
import io.halb.proxy.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * What a node shares with the others of its cluster: source-IP stick-table pins ({@code stick}) and
 * the runtime changes made through the admin API ({@code overrides}: drain, maint, weight, servers
 * added or removed). A change is broadcast when it happens; a node that joins gets the current
 * state from the coordinator. Runtime changes are last-writer-wins as a whole. Health verdicts
 * ({@code health}) go to a joining node only: it starts with the servers the cluster sees down
 * marked down (so a restarted node that takes a VIP at once sends nothing to a dead server), and
 * from then on its own checks decide.
 *
 * <p>Thread-safety: {@link Replicated} callbacks run on the cluster thread; the stick-table listener
 * on event loops, where it only enqueues a message.
 */
final class ClusterState {

    private static final Logger log = LoggerFactory.getLogger(ClusterState.class);
    /** Pins sent to a joining node at most: the state transfer stays bounded. */
    static final int MAX_STICK_TRANSFER = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Halb halb;
    private final ClusterNode node;

    ClusterState(Halb halb, ClusterNode node) {
        this.halb = halb;
        this.node = node;
        node.register(new Sticks());
        node.register(new Overrides());
        node.register(new Health());
    }

    /** Listens to the stick tables of a new snapshot (tables that survived a reload are the same objects). */
    void attach(Snapshot s) {
        for (Pool p : s.pools().values()) {
            StickTable table = p.stickTable();
            if (table != null) {
                String pool = p.name();
                table.listener((client, serverId) -> node.publish("stick", pool + "|" + client.getHostAddress() + "|" + serverId));
            }
        }
    }

    /** Tells the others of a runtime change made here. */
    void overridesChanged(RuntimeOverrides next) {
        try {
            node.publish("overrides", JSON.writeValueAsString(next));
        } catch (IOException e) {
            log.info("cluster: cannot share runtime changes: {}", e.getMessage());
        }
    }

    private final class Sticks implements Replicated {
        @Override
        public String kind() {
            return "stick";
        }

        @Override
        public void apply(String entry) {
            String[] p = entry.split("\\|", 3);
            Pool pool = p.length == 3 ? halb.snapshot().pools().get(p[0]) : null;
            if (pool == null || pool.stickTable() == null) {
                return;
            }
            try {
                // A literal address: no name lookup happens.
                pool.stickTable().putReplicated(InetAddress.getByName(p[1]), p[2]);
            } catch (UnknownHostException e) {
                log.debug("cluster: bad stick entry {}", entry);
            }
        }

        @Override
        public List<String> snapshot() {
            List<String> out = new ArrayList<>();
            for (Pool p : halb.snapshot().pools().values()) {
                if (p.stickTable() != null) {
                    for (Map.Entry<InetAddress, String> e : p.stickTable().entries(MAX_STICK_TRANSFER - out.size())) {
                        out.add(p.name() + "|" + e.getKey().getHostAddress() + "|" + e.getValue());
                    }
                }
            }
            return out;
        }
    }

    private final class Health implements Replicated {
        @Override
        public String kind() {
            return "health";
        }

        @Override
        public void apply(String entry) {
            Set<String> down = new HashSet<>(List.of(entry.split(";")));
            down.remove("");
            int marked = halb.adoptDownServers(down);
            log.info("cluster: servers down by the cluster's health checks: {} ({} newly marked down here)", entry, marked);
        }

        @Override
        public List<String> snapshot() {
            StringJoiner down = new StringJoiner(";");
            for (Pool p : halb.snapshot().pools().values()) {
                for (Endpoint e : p.endpoints()) {
                    if (!e.healthy()) {
                        down.add(RuntimeOverrides.key(p.name(), e.name()));
                    }
                }
            }
            return down.length() == 0 ? List.of() : List.of(down.toString());
        }
    }

    private final class Overrides implements Replicated {
        @Override
        public String kind() {
            return "overrides";
        }

        @Override
        public void apply(String entry) {
            try {
                RuntimeOverrides next = JSON.readValue(entry, RuntimeOverrides.class);
                if (!next.equals(halb.overrides())) {
                    halb.adoptOverrides(next);
                    log.info("cluster: runtime changes from another node applied: {}", entry);
                }
            } catch (IOException | RuntimeException e) {
                log.info("cluster: cannot apply runtime changes from another node: {}", e.getMessage());
            }
        }

        @Override
        public List<String> snapshot() {
            RuntimeOverrides current = halb.overrides();
            if (current.equals(RuntimeOverrides.NONE)) {
                return List.of();
            }
            try {
                return List.of(JSON.writeValueAsString(current));
            } catch (IOException e) {
                return List.of();
            }
        }
    }
}
