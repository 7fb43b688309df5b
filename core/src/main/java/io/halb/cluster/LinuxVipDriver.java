package io.halb.cluster;

import io.halb.config.ClusterConfig.VipConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code driver: linux}: {@code ip addr add} on take, then gratuitous ARPs ({@code arping -U}, three,
 * 200 ms apart) started by the {@link VipGuardian} and never waited for (arping exits about a second
 * after its packet; without them a client may keep sending to the old node for half a minute);
 * {@code ip addr del} on release.
 * Listeners on the VIP are bound with IP_FREEBIND from the start, so nothing rebinds here.
 */
final class LinuxVipDriver implements VipDriver {

    private static final Logger log = LoggerFactory.getLogger(LinuxVipDriver.class);
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(5);
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

    private final VipGuardian guardian;

    LinuxVipDriver(VipGuardian guardian) {
        this.guardian = guardian;
    }

    @Override
    public void take(VipConfig vip) throws IOException {
        Processes.Result r = Processes.run(List.of("ip", "addr", "add", vip.cidr(), "dev", vip.iface()), Map.of(), IP_TIMEOUT);
        // "File exists": it is there already (a restart, or a take after a failed release).
        if (!r.ok() && !r.output().contains("File exists")) {
            throw new IOException("ip addr add " + vip.cidr() + " dev " + vip.iface() + ": " + r.output());
        }
        announce(vip);
    }

    @Override
    public void announce(VipConfig vip) {
        if (vip.host().indexOf(':') >= 0) {
            return; // IPv6: the kernel sends its own unsolicited neighbour advertisement on add
        }
        guardian.announce(vip);
    }

    @Override
    public void release(VipConfig vip) {
        guardian.silence(vip);
        try {
            Processes.Result r = Processes.run(List.of("ip", "addr", "del", vip.cidr(), "dev", vip.iface()), Map.of(), IP_TIMEOUT);
            if (!r.ok() && !r.output().contains("Cannot assign requested address") && !r.output().contains("not found")) {
                log.info("vip {}: ip addr del: {}", vip.address(), r.output());
            }
        } catch (IOException e) {
            log.info("vip {}: ip addr del: {}", vip.address(), e.getMessage());
        }
    }

    /**
     * Fails with a message naming what is missing when this process cannot move addresses: the
     * capabilities CAP_NET_ADMIN (ip addr) and CAP_NET_RAW (arping), and the two commands.
     */
    static void checkCanRun() throws IOException {
        long caps = effectiveCapabilities();
        StringBuilder missing = new StringBuilder();
        if ((caps & (1L << CAP_NET_ADMIN)) == 0) {
            missing.append(" CAP_NET_ADMIN");
        }
        if ((caps & (1L << CAP_NET_RAW)) == 0) {
            missing.append(" CAP_NET_RAW");
        }
        if (missing.length() > 0) {
            throw new IOException("driver linux needs the capabilities" + missing + " (run as root, or grant them, e.g. "
                    + "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW in the systemd unit)");
        }
        for (String tool : List.of("ip", "arping")) {
            if (!onPath(tool)) {
                throw new IOException("driver linux needs '" + tool + "' on the PATH (Debian: apt-get install "
                        + (tool.equals("ip") ? "iproute2" : "iputils-arping") + ")");
            }
        }
    }

    private static long effectiveCapabilities() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        return 0;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
