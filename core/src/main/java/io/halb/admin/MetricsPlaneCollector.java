package io.halb.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import io.halb.cluster.ClusterStatus;

import java.util.List;

/**
 * The metrics of pools, servers and the instance, read from the {@link ControlPlane} at each
 * scrape. One collector rather than a callback per metric, so that one scrape reads the plane
 * once and every server metric in it comes from the same snapshot.
 *
 * <p>Thread-safety: stateless; called on the scraping thread, which is never an event loop.
 */
final class MetricsPlaneCollector implements MultiCollector {

    /** The states of {@code halb_server_state}, each present at 0 or 1 (an enum-style gauge). */
    private static final List<String> STATES = List.of("up", "down", "drain", "maint");

    private final ControlPlane plane;

    MetricsPlaneCollector(ControlPlane plane) {
        this.plane = plane;
    }

    @Override
    public MetricSnapshots collect() {
        StatusView status = plane.status();
        List<PoolView> pools = plane.pools();

        GaugeSnapshot.Builder up = gauge("halb_server_up",
                "1 when the server takes new requests (state up), else 0");
        GaugeSnapshot.Builder state = gauge("halb_server_state",
                "1 for the server's current state (up, down, drain, maint), 0 for the others");
        GaugeSnapshot.Builder healthy = gauge("halb_server_healthy",
                "1 when the server's active checks pass (always 1 without checks)");
        GaugeSnapshot.Builder ejected = gauge("halb_server_ejected",
                "1 while passive outlier detection has ejected the server");
        GaugeSnapshot.Builder weight = gauge("halb_server_weight",
                "The server's effective weight, after slow start");
        GaugeSnapshot.Builder inFlight = gauge("halb_server_in_flight",
                "Requests (http) or connections (tcp) on the server now");
        GaugeSnapshot.Builder responseTime = gauge("halb_server_response_time_seconds",
                "Decaying average time to the response head (http) or of a connection's life (tcp)");
        CounterSnapshot.Builder requests = counter("halb_server_requests",
                "Requests (http) or connections (tcp) sent to the server");
        CounterSnapshot.Builder failures = counter("halb_server_failures",
                "Requests (http) or connections (tcp) to the server that failed");
        CounterSnapshot.Builder stateChanges = counter("halb_server_state_changes",
                "Changes of the server's state since it was first configured");
        GaugeSnapshot.Builder queued = gauge("halb_pool_queued",
                "Requests waiting in the pool's queue for a server");

        for (PoolView pool : pools) {
            queued.dataPoint(gaugePoint(Labels.of("pool", pool.name()), pool.queued()));
            for (ServerView server : pool.servers()) {
                Labels labels = Labels.of("pool", pool.name(), "server", server.name());
                up.dataPoint(gaugePoint(labels, "up".equals(server.state()) ? 1 : 0));
                for (String s : STATES) {
                    state.dataPoint(gaugePoint(labels.add("state", s), s.equals(server.state()) ? 1 : 0));
                }
                if (!STATES.contains(server.state()) && server.state() != null) {
                    state.dataPoint(gaugePoint(labels.add("state", server.state()), 1));
                }
                healthy.dataPoint(gaugePoint(labels, server.healthy() ? 1 : 0));
                ejected.dataPoint(gaugePoint(labels, server.ejected() ? 1 : 0));
                weight.dataPoint(gaugePoint(labels, server.weight()));
                inFlight.dataPoint(gaugePoint(labels, server.inFlight()));
                responseTime.dataPoint(gaugePoint(labels, server.responseMillis() / 1000.0));
                requests.dataPoint(counterPoint(labels, server.requests()));
                failures.dataPoint(counterPoint(labels, server.failures()));
                stateChanges.dataPoint(counterPoint(labels, server.stateChanges()));
            }
        }

        MetricSnapshots.Builder all = MetricSnapshots.builder()
                .metricSnapshot(up.build())
                .metricSnapshot(state.build())
                .metricSnapshot(healthy.build())
                .metricSnapshot(ejected.build())
                .metricSnapshot(weight.build())
                .metricSnapshot(inFlight.build())
                .metricSnapshot(responseTime.build())
                .metricSnapshot(requests.build())
                .metricSnapshot(failures.build())
                .metricSnapshot(stateChanges.build())
                .metricSnapshot(queued.build())
                .metricSnapshot(gauge("halb_open_connections", "Client connections open now")
                        .dataPoint(gaugePoint(Labels.EMPTY, status.openConnections())).build())
                .metricSnapshot(gauge("halb_start_time_seconds", "When this halb started, in Unix time")
                        .dataPoint(gaugePoint(Labels.EMPTY, status.startedMillis() / 1000.0)).build())
                .metricSnapshot(gauge("halb_config_load_time_seconds",
                                "When the configuration being served was loaded, in Unix time")
                        .dataPoint(gaugePoint(Labels.EMPTY, status.configLoadedMillis() / 1000.0)).build())
                .metricSnapshot(InfoSnapshot.builder()
                        .name("halb")
                        .help("halb's version and network transport (epoll or nio); always 1")
                        .dataPoint(InfoDataPointSnapshot.builder()
                                .labels(Labels.of("version", orNone(status.version()),
                                        "transport", orNone(status.transport())))
                                .build())
                        .build());
        GaugeSnapshot.Builder role = gauge("halb_cluster_role",
                "1 for this node's cluster role: standalone, active, standby, no_quorum or leaving");
        if (status.role() != null) {
            role.dataPoint(gaugePoint(Labels.of("role", status.role()), 1));
        }
        all.metricSnapshot(role.build());
        plane.cluster().ifPresent(c -> {
            GaugeSnapshot.Builder members = gauge("halb_cluster_members", "Members in this node's view of the cluster");
            members.dataPoint(gaugePoint(Labels.EMPTY, c.members().size()));
            GaugeSnapshot.Builder owned = gauge("halb_vip_owned", "1 while this node holds the VIP, else 0");
            for (ClusterStatus.Vip v : c.vips()) {
                owned.dataPoint(gaugePoint(Labels.of("vip", v.address()), v.heldHere() ? 1 : 0));
            }
            all.metricSnapshot(members.build()).metricSnapshot(owned.build());
        });
        return all.build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("halb_server_up", "halb_server_state", "halb_server_healthy",
                "halb_server_ejected", "halb_server_weight", "halb_server_in_flight",
                "halb_server_response_time_seconds", "halb_server_requests", "halb_server_failures",
                "halb_server_state_changes", "halb_pool_queued", "halb_open_connections",
                "halb_start_time_seconds", "halb_config_load_time_seconds", "halb", "halb_cluster_role",
                "halb_cluster_members", "halb_vip_owned");
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot gaugePoint(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static CounterDataPointSnapshot counterPoint(Labels labels, double value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? Metrics.NONE : value;
    }
}
