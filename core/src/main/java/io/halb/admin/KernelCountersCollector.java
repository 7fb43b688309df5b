package io.halb.admin;

import io.halb.guard.KernelCounters;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.Map;

/**
 * The kernel's SYN-flood and accept-queue counters ({@code halb_kernel_tcp_*_total}), read from
 * /proc/net/netstat once per scrape: one read serves every counter, so they also come from the
 * same moment. A counter this kernel lacks, or every one off Linux, has no sample.
 *
 * <p>Thread-safety: stateless; called on the scraping thread, which is never an event loop.
 */
final class KernelCountersCollector implements MultiCollector {

    @Override
    public MetricSnapshots collect() {
        Map<String, Long> values = KernelCounters.read().orElse(Map.of());
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        for (String name : KernelCounters.NAMES) {
            CounterSnapshot.Builder counter = CounterSnapshot.builder()
                    .name(KernelCounters.metricName(name))
                    .help(KernelCounters.help(name));
            Long value = values.get(name);
            if (value != null) {
                counter.dataPoint(CounterDataPointSnapshot.builder().value(value).build());
            }
            all.metricSnapshot(counter.build());
        }
        return all.build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return KernelCounters.NAMES.stream().map(KernelCounters::metricName).toList();
    }
}
