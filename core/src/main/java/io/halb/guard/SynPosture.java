package io.halb.guard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * How well the kernel's settings stand a SYN flood in front of halb's listeners: read once at start
 * from {@code /proc/sys}, it returns one warning per weak setting, each with its fix. A setting whose
 * file is missing or unreadable (not Linux, a container without {@code /proc/sys}) is not judged.
 *
 * <p>The thresholds, from the kernel's documentation
 * ({@code Documentation/networking/ip-sysctl.rst}, {@code Documentation/admin-guide/sysctl/net.rst},
 * {@code man 2 listen}) and the code of {@code tcp_conn_request()} in {@code net/ipv4/tcp_input.c}:
 * <ul>
 *   <li>{@code net.ipv4.tcp_syncookies} below 1: "Send out syncookies when the syn backlog queue of a
 *       socket overflows. This is to prevent against the common 'SYN flood attack'." With 0, a flood
 *       of SYNs from spoofed addresses fills each listener's SYN queue and every further SYN, real
 *       clients' included, is dropped ({@code TCPReqQFullDrop}). 1 (the default) sends cookies only
 *       on overflow; 2 always sends them and is not warned about.
 *   <li>{@code net.core.somaxconn} below halb's listen backlog: "Limit of socket listen() backlog";
 *       a larger backlog "is silently truncated to that value" ({@code man 2 listen}). The default
 *       is 4096 since Linux 5.4 and was 128 before. Since Linux 4.4 the same truncated backlog also
 *       bounds each listener's SYN queue, so a small value makes both queues small.
 *   <li>{@code net.ipv4.tcp_max_syn_backlog} below {@value #MIN_SYN_BACKLOG}: "Maximal number of
 *       remembered connection requests (SYN_RECV), which have not received an acknowledgment from
 *       connecting client ... The minimal value is 128 for low memory machines". With SYN cookies off,
 *       once fewer than a quarter of this many slots are left, a listener drops the SYNs of clients
 *       it has not talked to before. 1024 was the documented default for machines with more than
 *       128 MiB; kernels now pick {@code max(128, ehash entries / 128)}, 1024 or more on most
 *       servers. A host that must stand floods should not run with less.
 * </ul>
 *
 * <p>Thread-safety: stateless; {@link #check} reads files, so call it at start, off the event loops.
 */
public final class SynPosture {

    /** The {@code tcp_max_syn_backlog} under which a warning is given; see the class comment. */
    static final int MIN_SYN_BACKLOG = 1024;

    private SynPosture() {
    }

    /** {@link #check(Path, int)} of the real {@code /proc}. */
    public static List<String> check(int backlog) {
        return check(Path.of("/proc"), backlog);
    }

    /**
     * The warnings about the SYN-flood settings under {@code procRoot/sys/net}, each with its fix;
     * empty when every setting that could be read is strong enough.
     *
     * @param procRoot the {@code /proc} directory, or a fake one in tests
     * @param backlog halb's listen backlog ({@code SO_BACKLOG})
     */
    public static List<String> check(Path procRoot, int backlog) {
        if (backlog <= 0) {
            throw new IllegalArgumentException("backlog: " + backlog + " (expected: > 0)");
        }
        List<String> warnings = new ArrayList<>(3);
        OptionalLong syncookies = sysctl(procRoot, "net/ipv4/tcp_syncookies");
        if (syncookies.isPresent() && syncookies.getAsLong() < 1) {
            warnings.add("net.ipv4.tcp_syncookies is " + syncookies.getAsLong()
                    + ": a SYN flood fills the backlog and real clients cannot connect; set it to 1"
                    + " (sysctl -w net.ipv4.tcp_syncookies=1)");
        }
        OptionalLong somaxconn = sysctl(procRoot, "net/core/somaxconn");
        if (somaxconn.isPresent() && somaxconn.getAsLong() < backlog) {
            warnings.add("net.core.somaxconn is " + somaxconn.getAsLong() + ", below halb's listen backlog of "
                    + backlog + ": the kernel caps the accept and SYN queues to it; raise it"
                    + " (sysctl -w net.core.somaxconn=" + backlog + ")");
        }
        OptionalLong synBacklog = sysctl(procRoot, "net/ipv4/tcp_max_syn_backlog");
        if (synBacklog.isPresent() && synBacklog.getAsLong() < MIN_SYN_BACKLOG) {
            warnings.add("net.ipv4.tcp_max_syn_backlog is " + synBacklog.getAsLong() + ", below "
                    + MIN_SYN_BACKLOG + ": without SYN cookies, a listener drops new clients' SYNs once"
                    + " three quarters of this many handshakes are pending; raise it"
                    + " (sysctl -w net.ipv4.tcp_max_syn_backlog=" + Math.max(MIN_SYN_BACKLOG, backlog) + ")");
        }
        return List.copyOf(warnings);
    }

    /**
     * The {@code TCP_DEFER_ACCEPT} timeout for halb's listeners, in seconds: 1.
     *
     * <p>With it the kernel completes the handshake but does not hand the connection to
     * {@code accept()} until the client's first data arrives (delayed binding, HAProxy's
     * {@code option defer-accept}). A SYN flood that completes handshakes, or a client that connects
     * and says nothing, then costs no accept, no file descriptor, no channel and no event-loop work;
     * the bare ACKs are counted as {@code TCPDeferAcceptDrop} ({@link KernelCounters}).
     *
     * <p>Linux turns the seconds into a number of SYN-ACK retransmissions (the first one after 1 s);
     * when they are spent and the client ACKs again, the connection is accepted anyway, so a silent
     * client is delayed, never refused. 1 s is the shortest: enough for a client's first data, which
     * follows its ACK by one round trip.
     *
     * <p>Use it on listeners where the client speaks first: HTTP, TLS (ClientHello), and TCP
     * protocols such as PostgreSQL or Redis. Not on TCP listeners where the server speaks first
     * (SMTP, MySQL, FTP): their clients wait for a greeting, so each connection would wait out the
     * timeout before halb accepts it.
     */
    public static int deferAcceptSeconds() {
        return 1;
    }

    /** The number in {@code procRoot/sys/<path>}, or empty when it is missing or not a number. */
    private static OptionalLong sysctl(Path procRoot, String path) {
        try {
            String text = Files.readString(procRoot.resolve("sys").resolve(path), StandardCharsets.US_ASCII);
            return OptionalLong.of(Long.parseLong(text.trim()));
        } catch (IOException | SecurityException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
