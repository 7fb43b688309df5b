package io.halb.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@link MachineMetrics} read from Linux's {@code /proc}: CPU idle from {@code /proc/stat} (the
 * difference between two samples; since boot before the second), memory from
 * {@code /proc/meminfo}, sessions from {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 *
 * <p>Thread-safety: {@link #refresh()} is called by one thread at a time; the sampled values are
 * volatile and read by any thread.
 */
public final class ProcMetrics implements MachineMetrics {

    /** {@code st} of an established socket in {@code /proc/net/tcp} (include/net/tcp_states.h). */
    private static final String TCP_ESTABLISHED = "01";

    private final Path proc;
    private final OptionalInt sessionPort;

    // Written by refresh() only.
    private long lastCpuTotal;
    private long lastCpuIdle;

    private volatile double cpuIdle = 1;
    private volatile double memoryAvailable = 1;
    private volatile int sessions;

    /**
     * @param proc        the proc file system, {@code /proc} (another root for tests)
     * @param sessionPort the local port whose established connections count as sessions, if any
     */
    public ProcMetrics(Path proc, OptionalInt sessionPort) throws IOException {
        this.proc = proc;
        this.sessionPort = sessionPort;
        sessionPort.ifPresent(p -> {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("sessionPort: " + p + " (expected: 1..65535)");
            }
        });
        refresh();
    }

    /** Metrics of this machine, sampled once already. */
    public static ProcMetrics open(OptionalInt sessionPort) throws IOException {
        return new ProcMetrics(Path.of("/proc"), sessionPort);
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

    @Override
    public void refresh() throws IOException {
        sampleCpu();
        sampleMemory();
        if (sessionPort.isPresent()) {
            sessions = countEstablished(proc.resolve("net/tcp"), sessionPort.getAsInt())
                    + countEstablished(proc.resolve("net/tcp6"), sessionPort.getAsInt());
        }
    }

    /**
     * The first line of {@code /proc/stat}: {@code cpu user nice system idle iowait irq softirq steal
     * guest guest_nice}, in clock ticks since boot. Guest time is already inside user and nice, so
     * the total is the first eight; waiting for I/O counts as idle (the CPU could run something).
     */
    private void sampleCpu() throws IOException {
        String line;
        try (BufferedReader r = Files.newBufferedReader(proc.resolve("stat"), StandardCharsets.US_ASCII)) {
            line = r.readLine();
        }
        if (line == null || !line.startsWith("cpu ")) {
            throw new IOException(proc.resolve("stat") + ": no 'cpu' line first");
        }
        String[] f = line.trim().split("\\s+");
        if (f.length < 5) {
            throw new IOException(proc.resolve("stat") + ": too few fields in '" + line + "'");
        }
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        long dTotal = total - lastCpuTotal;
        long dIdle = idle - lastCpuIdle;
        if (dTotal > 0) {
            cpuIdle = clamp((double) dIdle / dTotal);
            lastCpuTotal = total;
            lastCpuIdle = idle;
        }
    }

    /** MemAvailable / MemTotal; kernels before 3.14 lack MemAvailable: MemFree + Buffers + Cached. */
    private void sampleMemory() throws IOException {
        long total = -1;
        long available = -1;
        long free = 0;
        long buffers = 0;
        long cached = 0;
        for (String line : Files.readAllLines(proc.resolve("meminfo"), StandardCharsets.US_ASCII)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            switch (key) {
                case "MemTotal" -> total = kib(line, colon);
                case "MemAvailable" -> available = kib(line, colon);
                case "MemFree" -> free = kib(line, colon);
                case "Buffers" -> buffers = kib(line, colon);
                case "Cached" -> cached = kib(line, colon);
                default -> { }
            }
        }
        if (total <= 0) {
            throw new IOException(proc.resolve("meminfo") + ": no MemTotal");
        }
        if (available < 0) {
            available = free + buffers + cached;
        }
        memoryAvailable = clamp((double) available / total);
    }

    private static long kib(String line, int colon) {
        String v = line.substring(colon + 1).trim();
        int space = v.indexOf(' ');
        return Long.parseLong(space < 0 ? v : v.substring(0, space));
    }

    /**
     * Counts lines of {@code /proc/net/tcp[6]} whose local port is {@code port} and state established:
     * {@code sl local_address rem_address st ...}, addresses as {@code HEXADDR:HEXPORT}. A missing
     * file (no IPv6) counts nothing.
     */
    static int countEstablished(Path file, int port) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return 0;
        }
        int count = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+", 5);
            if (f.length < 4 || !TCP_ESTABLISHED.equals(f[3])) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            if (colon >= 0 && Integer.parseInt(f[1].substring(colon + 1), 16) == port) {
                count++;
            }
        }
        return count;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
