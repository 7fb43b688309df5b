package io.halb.guard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's TCP counters that show a SYN flood or a listener that accepts too slowly, read from
 * the {@code TcpExt} lines of {@code /proc/net/netstat}. They count for the whole network namespace
 * (every listener on the machine or container, not only halb's) from the kernel's start.
 *
 * <p>{@code /proc/net/netstat} holds pairs of lines with the same prefix: the names, then the values
 * ({@code TcpExt: SyncookiesSent SyncookiesRecv ...} / {@code TcpExt: 0 0 ...}). The names change
 * between kernels, so they are matched by name, never by position; a counter this kernel does not
 * have is absent from the map. {@code /proc/net/snmp} is not read: its {@code Tcp} lines hold none of
 * these counters.
 *
 * <p>What each counter means (the kernel's {@code LINUX_MIB_*} counters, incremented in
 * {@code net/ipv4/tcp_input.c}, {@code tcp_ipv4.c} and {@code tcp_minisocks.c}):
 * <ul>
 *   <li>{@code ListenOverflows}: a handshake completed but the listener's accept queue was full,
 *       so the kernel dropped it; the process does not accept fast enough, or the backlog is small.
 *   <li>{@code ListenDrops}: every connection request a listener dropped, for any reason (the
 *       overflows above included).
 *   <li>{@code SyncookiesSent}: SYN-ACKs carrying a cookie instead of a SYN-queue entry, sent because
 *       a SYN queue was full: a SYN flood, or a burst larger than the backlog.
 *   <li>{@code SyncookiesRecv}: ACKs whose cookie checked out: real clients that got in during a flood.
 *   <li>{@code SyncookiesFailed}: ACKs whose cookie did not check out (late, forged, or random ACKs).
 *   <li>{@code TCPReqQFullDoCookies}: SYNs that found the SYN queue full and got a cookie.
 *   <li>{@code TCPReqQFullDrop}: SYNs that found the SYN queue full and were dropped, because SYN
 *       cookies are off: clients that could not connect.
 *   <li>{@code TCPDeferAcceptDrop}: bare handshake ACKs a {@code TCP_DEFER_ACCEPT} listener ignored
 *       while it waited for the client's first data (see {@link SynPosture#deferAcceptSeconds()}).
 * </ul>
 *
 * <p>Thread-safety: stateless; {@link #read} does file I/O, so call it off the event loops. It
 * reads one small file (about 4 KiB) and is cheap enough for every Prometheus scrape.
 */
public final class KernelCounters {

    /** The {@code TcpExt} counters read, in the order of {@link #read}'s map. */
    public static final List<String> NAMES = List.of(
            "ListenOverflows", "ListenDrops", "SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed",
            "TCPReqQFullDrop", "TCPReqQFullDoCookies", "TCPDeferAcceptDrop");

    private static final Map<String, String> METRIC_NAMES = Map.of(
            "ListenOverflows", "listen_overflows",
            "ListenDrops", "listen_drops",
            "SyncookiesSent", "syncookies_sent",
            "SyncookiesRecv", "syncookies_recv",
            "SyncookiesFailed", "syncookies_failed",
            "TCPReqQFullDrop", "reqq_full_drop",
            "TCPReqQFullDoCookies", "reqq_full_do_cookies",
            "TCPDeferAcceptDrop", "defer_accept_drop");

    private static final Map<String, String> HELPS = Map.of(
            "ListenOverflows", "Completed handshakes dropped because a listener's accept queue was full",
            "ListenDrops", "Connection requests listeners dropped, for any reason",
            "SyncookiesSent", "SYN cookies sent because a SYN queue was full",
            "SyncookiesRecv", "Handshake ACKs with a valid SYN cookie",
            "SyncookiesFailed", "Handshake ACKs with an invalid SYN cookie",
            "TCPReqQFullDrop", "SYNs dropped because a SYN queue was full and SYN cookies were off",
            "TCPReqQFullDoCookies", "SYNs answered with a SYN cookie because a SYN queue was full",
            "TCPDeferAcceptDrop", "Bare handshake ACKs ignored by TCP_DEFER_ACCEPT listeners");

    private static final String PREFIX = "TcpExt:";

    private KernelCounters() {
    }

    /** {@link #read(Path)} of the real {@code /proc}. */
    public static Optional<Map<String, Long>> read() {
        return read(Path.of("/proc"));
    }

    /**
     * The current values of the {@link #NAMES} this kernel has, read from
     * {@code procRoot/net/netstat}; empty when the file is missing or unreadable (not Linux, a
     * sandbox) or has no {@code TcpExt} lines.
     *
     * @param procRoot the {@code /proc} directory, or a fake one in tests
     */
    public static Optional<Map<String, Long>> read(Path procRoot) {
        List<String> lines;
        try {
            lines = Files.readAllLines(procRoot.resolve("net/netstat"), StandardCharsets.US_ASCII);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        return parse(lines);
    }

    /** The counters of a netstat file's lines; package-private for tests. */
    static Optional<Map<String, Long>> parse(List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith(PREFIX) && lines.get(i + 1).startsWith(PREFIX)) {
                return Optional.of(pick(lines.get(i), lines.get(i + 1)));
            }
        }
        return Optional.empty();
    }

    private static Map<String, Long> pick(String nameLine, String valueLine) {
        String[] names = nameLine.substring(PREFIX.length()).trim().split("\\s+");
        String[] values = valueLine.substring(PREFIX.length()).trim().split("\\s+");
        Map<String, Long> all = new HashMap<>();
        for (int i = 0; i < Math.min(names.length, values.length); i++) {
            all.put(names[i], parseValue(values[i]));
        }
        Map<String, Long> picked = new LinkedHashMap<>();
        for (String name : NAMES) {
            Long value = all.get(name);
            if (value != null && value >= 0) {
                picked.put(name, value);
            }
        }
        return Collections.unmodifiableMap(picked);
    }

    /** The value, or -1 when it is not a number (the caller leaves it out). */
    private static long parseValue(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The Prometheus name of a counter of {@link #NAMES}, without the {@code _total} the client adds:
     * {@code ListenOverflows} is {@code halb_kernel_tcp_listen_overflows}.
     */
    public static String metricName(String name) {
        String suffix = METRIC_NAMES.get(name);
        if (suffix == null) {
            throw new IllegalArgumentException("name: " + name + " (expected: one of " + NAMES + ")");
        }
        return "halb_kernel_tcp_" + suffix;
    }

    /** The Prometheus help text of a counter of {@link #NAMES}. */
    public static String help(String name) {
        String help = HELPS.get(name);
        if (help == null) {
            throw new IllegalArgumentException("name: " + name + " (expected: one of " + NAMES + ")");
        }
        return help + " (kernel TcpExt " + name + ", whole network namespace)";
    }
}
