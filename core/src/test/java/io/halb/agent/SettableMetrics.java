package io.halb.agent;

/** {@link MachineMetrics} that a test sets; the agent serving them still answers over real TCP. */
public final class SettableMetrics implements MachineMetrics {

    private volatile double cpuIdle;
    private volatile double memoryAvailable;
    private volatile int sessions;

    public SettableMetrics(double cpuIdle, double memoryAvailable, int sessions) {
        set(cpuIdle, memoryAvailable, sessions);
    }

    /** A machine with nothing to do: all CPU idle, all memory available, no session. */
    public static SettableMetrics idle() {
        return new SettableMetrics(1, 1, 0);
    }

    public SettableMetrics set(double cpuIdle, double memoryAvailable, int sessions) {
        this.cpuIdle = cpuIdle;
        this.memoryAvailable = memoryAvailable;
        this.sessions = sessions;
        return this;
    }

    @Override
    public double cpuIdle() {
        return cpuIdle;
    }

    @Override
    public double memoryAvailable() {
        return memoryAvailable;
    }

    @Override
    public int sessions() {
        return sessions;
    }
}
