package io.halb.agent;

/**
 * How the agent turns its machine's metrics into a weight percentage: the weighted mean of idle
 * CPU, available memory and free session capacity ({@code 1 - sessions / maxSessions}), each
 * 0..100%, rounded and clamped to 1..100. The result is never 0: a busy machine still takes a
 * little traffic; taking it out is the state word's job ({@code drain}, {@code maint}, {@code down}).
 *
 * @param cpuShare       weight of idle CPU in the mean, >= 0
 * @param memoryShare    weight of available memory, >= 0
 * @param sessionShare   weight of free session capacity, >= 0; ignored unless {@code watchSessions}
 * @param maxSessions    sessions at which the session signal reaches 0%
 * @param watchSessions  whether sessions are counted at all (a session port is set)
 */
public record WeightFormula(double cpuShare, double memoryShare, double sessionShare, int maxSessions,
                            boolean watchSessions) {

    public WeightFormula {
        check("cpuShare", cpuShare);
        check("memoryShare", memoryShare);
        check("sessionShare", sessionShare);
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions: " + maxSessions + " (expected: >= 1)");
        }
        if (cpuShare + memoryShare + (watchSessions ? sessionShare : 0) <= 0) {
            throw new IllegalArgumentException("shares: cpu " + cpuShare + ", memory " + memoryShare
                    + ", sessions " + (watchSessions ? sessionShare : "unwatched")
                    + " (expected: at least one share above 0; the session share needs a session port)");
        }
    }

    /** Equal shares, sessions unwatched. */
    public static WeightFormula ofCpuAndMemory() {
        return new WeightFormula(1, 1, 1, 1000, false);
    }

    private static void check(String name, double share) {
        if (!(share >= 0) || Double.isInfinite(share)) {
            throw new IllegalArgumentException(name + ": " + share + " (expected: a number >= 0)");
        }
    }

    /** The session share that counts: 0 when sessions are not watched. */
    public double effectiveSessionShare() {
        return watchSessions ? sessionShare : 0;
    }

    /** The weight percentage for {@code m}, 1..100. */
    public int percent(MachineMetrics m) {
        double s = effectiveSessionShare();
        double sessionsFree = 1 - Math.min(1.0, (double) Math.max(0, m.sessions()) / maxSessions);
        double mean = (cpuShare * unit(m.cpuIdle()) + memoryShare * unit(m.memoryAvailable()) + s * sessionsFree)
                / (cpuShare + memoryShare + s);
        long pct = Math.round(mean * 100);
        return (int) Math.max(1, Math.min(100, pct));
    }

    private static double unit(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }
}
