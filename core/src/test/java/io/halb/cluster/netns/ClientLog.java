package io.halb.cluster.netns;

import java.util.ArrayList;
import java.util.List;

/** The lines a {@link NetnsClient} printed: one request each ({@code W|P start end status}). */
final class ClientLog {

    record Request(boolean probe, long start, long end, int status) {
        boolean ok() {
            return status == 200;
        }
    }

    private final List<Request> requests = new ArrayList<>();

    ClientLog(List<String> lines) {
        for (String line : lines) {
            String[] p = line.trim().split(" ");
            if (p.length == 4) {
                try {
                    requests.add(new Request(p[0].equals("P"), Long.parseLong(p[1]), Long.parseLong(p[2]), Integer.parseInt(p[3])));
                } catch (NumberFormatException e) {
                    // a line cut short by a kill
                }
            }
        }
    }

    /** Milliseconds from {@code t} to the answer of the first successful probe sent at or after {@code t}; -1 if none. */
    long gapAfter(long t) {
        return requests.stream().filter(r -> r.probe() && r.start() >= t && r.ok()).mapToLong(r -> r.end() - t).min().orElse(-1);
    }

    /** Workload requests sent at or after {@code t} that succeeded. */
    long successesAfter(long t) {
        return requests.stream().filter(r -> !r.probe() && r.start() >= t && r.ok()).count();
    }

    /** Workload requests that were still open at {@code from} or sent until {@code to}, and failed. */
    List<Request> failuresBetween(long from, long to) {
        return requests.stream().filter(r -> !r.probe() && r.end() >= from && r.start() <= to && !r.ok()).toList();
    }

    long requestsBetween(long from, long to) {
        return requests.stream().filter(r -> !r.probe() && r.end() >= from && r.start() <= to).count();
    }
}
