package io.halb.cluster;

import io.halb.config.ClusterConfig.VipConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code driver: exec}: runs the user's command through {@code sh -c} with the action
 * ({@code take}, {@code release}, {@code announce}), the VIP and this node as {@code $1 $2 $3} and
 * as {@code HALB_ACTION}, {@code HALB_VIP}, {@code HALB_NODE} (and {@code HALB_INTERFACE}), for
 * cloud floating IPs and anything else halb does not know. A take whose command fails is retried.
 */
final class ExecVipDriver implements VipDriver {

    private static final Logger log = LoggerFactory.getLogger(ExecVipDriver.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String command;
    private final String node;

    ExecVipDriver(String command, String node) {
        this.command = command;
        this.node = node;
    }

    @Override
    public void take(VipConfig vip) throws IOException {
        Processes.Result r = run("take", vip);
        if (!r.ok()) {
            throw new IOException("command exited with " + r.exitCode() + ": " + r.output());
        }
    }

    @Override
    public void announce(VipConfig vip) {
        try {
            run("announce", vip);
        } catch (IOException e) {
            log.info("vip {}: announce command: {}", vip.address(), e.getMessage());
        }
    }

    @Override
    public void release(VipConfig vip) {
        try {
            Processes.Result r = run("release", vip);
            if (!r.ok()) {
                log.info("vip {}: release command exited with {}: {}", vip.address(), r.exitCode(), r.output());
            }
        } catch (IOException e) {
            log.info("vip {}: release command: {}", vip.address(), e.getMessage());
        }
    }

    private Processes.Result run(String action, VipConfig vip) throws IOException {
        return Processes.run(List.of("sh", "-c", command, "halb-vip", action, vip.address(), node),
                Map.of("HALB_ACTION", action, "HALB_VIP", vip.address(), "HALB_NODE", node,
                        "HALB_INTERFACE", vip.iface()), TIMEOUT);
    }
}
