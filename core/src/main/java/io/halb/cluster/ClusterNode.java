package io.halb.cluster;

import io.halb.config.ClusterConfig;
import io.halb.config.ClusterConfig.ClusterMode;
import io.halb.config.ClusterConfig.VipConfig;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.ExtendedUUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * This node's membership in the cluster: it joins the JGroups group, works out on every view
 * change (and every state message) which VIPs it should hold with {@link Ownership}, takes and
 * releases them through their {@link VipDriver}s, and tells the others what it holds.
 *
 * <p>Every node's name and priority travel in its JGroups address (an {@link ExtendedUUID}), so
 * each member knows them for every other member from the view alone; eligibility and held VIPs
 * travel in {@link PeerState} messages.
 *
 * <p>Thread-safety: JGroups callbacks only hand work to the single cluster thread
 * ({@code halb-cluster}), which owns every mutable field below; {@link #status()} reads a volatile
 * snapshot. Driver calls (processes, binds) run on that thread, never on an event loop.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final String GROUP = "halb";
    private static final String KEY_NODE = "halb.node";
    private static final String KEY_PRIORITY = "halb.priority";
    private static final char TYPE_REPLICATED = 'R';
    /** How long a joiner without preemption waits for the members' claims before it takes a VIP. */
    private static final long CLAIM_WAIT_MS = 1000;
    private static final long RETRY_MS = 200;
    /** How long a leaving node keeps listening after its VIPs were taken over. */
    private static final long SETTLE_MS = 300;

    private final ClusterConfig config;
    private final Map<String, VipConfig> vips = new LinkedHashMap<>();
    private final Map<String, VipDriver> drivers = new LinkedHashMap<>();
    private final List<Ownership.Vip> ownershipVips = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halb-cluster");
        t.setDaemon(true);
        return t;
    });
    private final List<Replicated> replicated = new CopyOnWriteArrayList<>();
    private final JChannel channel;
    private final VipGuardian guardian;
    private Track track;

    // Confined to the cluster thread.
    private View view;
    private final Map<Address, PeerState> peers = new HashMap<>();
    private final Map<Address, Long> unheardSince = new HashMap<>();
    private final Set<String> held = new LinkedHashSet<>();
    /** VIPs another node holds now that this leaving node still has configured while it drains. */
    private final Set<String> parked = new LinkedHashSet<>();
    private Map<String, String> assignment = Map.of();
    private boolean trackOk = true;
    private boolean leaving;
    private long leaveDeadlineNanos;
    private boolean closed;
    /** Set when this node has left the group: later views (if JGroups sends any) change nothing. */
    private boolean left;
    private ScheduledFuture<?> retry;
    private String lastRole = "";

    private volatile ClusterStatus status;
    private volatile int heldCount;

    private ClusterNode(ClusterConfig config, ListenerGate gate) throws Exception {
        this.config = config;
        boolean linux = config.vips().stream().anyMatch(v -> v.driver() == VipConfig.Driver.LINUX);
        this.guardian = linux ? VipGuardian.start() : null;
        for (VipConfig v : config.vips()) {
            vips.put(v.address(), v);
            drivers.put(v.address(), VipDriver.of(v, config, gate, guardian));
            ownershipVips.add(new Ownership.Vip(v.address(), v.prefer()));
        }
        this.channel = ClusterStack.channel(config);
        this.status = new ClusterStatus(config.node(), mode(), "starting", false, 0, List.of(), List.of());
    }

    /**
     * Checks what the drivers need and builds the node without joining yet, so that the state it
     * shares can be {@linkplain #register registered} before the first message arrives.
     */
    public static ClusterNode create(ClusterConfig config, ListenerGate gate) throws Exception {
        if (config.vips().stream().anyMatch(v -> v.driver() == VipConfig.Driver.LINUX)) {
            LinuxVipDriver.checkCanRun();
        }
        return new ClusterNode(config, gate);
    }

    /**
     * Releases any VIP left over from an earlier run, joins the cluster and returns once this node
     * has its first view (VIPs are taken on the cluster thread). Closes the node when joining fails.
     */
    public void start() throws Exception {
        try {
            join();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private void join() throws Exception {
        // A node that starts holds nothing: an address left behind by a crash must not answer twice.
        for (VipConfig v : config.vips()) {
            if (v.driver() == VipConfig.Driver.LINUX) {
                drivers.get(v.address()).release(v);
            }
        }
        if (!config.track().isEmpty()) {
            track = new Track(config.track(), ok -> thread.execute(() -> {
                trackOk = ok;
                decide(false);
            }));
            boolean ok = track.start();
            thread.submit(() -> trackOk = ok).get();
        }
        byte[] priority = Integer.toString(config.priority()).getBytes(StandardCharsets.US_ASCII);
        channel.addAddressGenerator(() -> ExtendedUUID.randomUUID(config.node())
                .put(KEY_NODE, config.node().getBytes(StandardCharsets.UTF_8))
                .put(KEY_PRIORITY, priority));
        channel.name(config.node());
        channel.setDiscardOwnMessages(true);
        channel.setReceiver(new Receiver() {
            @Override
            public void viewAccepted(View v) {
                thread.execute(() -> onView(v));
            }

            @Override
            public void receive(Message msg) {
                Address src = msg.getSrc();
                byte[] bytes = msg.getArray();
                String text = new String(bytes, msg.getOffset(), msg.getLength(), StandardCharsets.UTF_8);
                thread.execute(() -> onMessage(src, text));
            }
        });
        log.info("cluster: node {} (priority {}, {}{}) joining on {} with peers {}", config.node(), config.priority(),
                mode(), config.preempt() ? "" : ", no preemption", config.bind(), config.peers());
        channel.connect(GROUP);
    }

    /** The cluster as this node sees it now. */
    public ClusterStatus status() {
        return status;
    }

    /** Shares {@code state} with the other nodes: its changes go to them and joiners get it whole. */
    public void register(Replicated state) {
        replicated.add(state);
    }

    /** Sends one entry of {@code kind} to every other member (asynchronously; dropped when alone). */
    public void publish(String kind, String entry) {
        thread.execute(() -> {
            if (view != null && view.size() > 1) {
                send(null, TYPE_REPLICATED + "|" + kind + "|" + entry);
            }
        });
    }

    private void onView(View v) {
        if (closed || left) {
            return;
        }
        View previous = view;
        view = v;
        peers.keySet().retainAll(v.getMembers());
        unheardSince.keySet().retainAll(v.getMembers());
        long now = System.nanoTime();
        List<Address> joined = new ArrayList<>();
        for (Address a : v.getMembers()) {
            if (!a.equals(channel.getAddress()) && (previous == null || !previous.containsMember(a))) {
                joined.add(a);
                if (!peers.containsKey(a)) {
                    unheardSince.put(a, now);
                }
            }
        }
        boolean merge = v instanceof MergeView;
        log.info("cluster: view {} {}{}", v.getViewId().getId(), describe(v), merge ? " (partitions merged)" : "");
        decide(merge);
        sendState();
        if (!joined.isEmpty() && channel.getAddress().equals(v.getCoord())) {
            for (Address a : joined) {
                sendSnapshot(a);
            }
        }
    }

    private void onMessage(Address src, String text) {
        if (closed || text.isEmpty()) {
            return;
        }
        try {
            if (text.charAt(0) == PeerState.TYPE) {
                PeerState s = PeerState.decode(text);
                PeerState before = peers.put(src, s);
                unheardSince.remove(src);
                if (!s.equals(before)) {
                    decide(false);
                }
            } else if (text.charAt(0) == TYPE_REPLICATED) {
                int bar = text.indexOf('|', 2);
                String kind = text.substring(2, bar);
                String entry = text.substring(bar + 1);
                for (Replicated r : replicated) {
                    if (r.kind().equals(kind)) {
                        r.apply(entry);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.info("cluster: ignoring a message from {}: {}", src, e.toString());
        }
    }

    /** Works out the assignment and moves VIPs to match. Cluster thread. */
    private void decide(boolean merged) {
        if (view == null || closed) {
            return;
        }
        List<Ownership.Member> members = members();
        Map<String, Set<String>> previous = new HashMap<>();
        Set<String> live = new HashSet<>();
        members.forEach(m -> live.add(m.name()));
        assignment.forEach((vip, owner) -> {
            if (live.contains(owner)) {
                previous.computeIfAbsent(vip, k -> new HashSet<>()).add(owner);
            }
        });
        for (String vip : held) {
            previous.computeIfAbsent(vip, k -> new HashSet<>()).add(config.node());
        }
        Set<String> claimedByOthers = new HashSet<>();
        peers.forEach((addr, s) -> {
            String name = nodeName(addr);
            for (String vip : s.held()) {
                previous.computeIfAbsent(vip, k -> new HashSet<>()).add(name);
                claimedByOthers.add(vip);
            }
        });
        Map<String, String> next = Ownership.assign(config.mode(), config.preempt(), config.configuredNodes(),
                members, ownershipVips, previous);
        if (!next.equals(assignment)) {
            log.info("cluster: VIP owners {}", next.isEmpty() ? "none (" + (quorate() ? "no eligible node" : "no quorum") + ")" : next);
        }
        assignment = next;
        boolean changed = false;
        boolean waitForClaims = waitingForClaims();
        boolean successorPossible = next.values().stream().anyMatch(owner -> !owner.equals(config.node()));
        long now = System.nanoTime();
        for (String vip : new ArrayList<>(held)) {
            if (config.node().equals(next.get(vip))) {
                continue;
            }
            // A planned leave gives a VIP up once another node holds it (or the bound passed),
            // so that the address never goes unanswered.
            if (leaving && successorPossible && !claimedByOthers.contains(vip) && now - leaveDeadlineNanos < 0) {
                continue;
            }
            held.remove(vip);
            changed = true;
            if (leaving) {
                giveUpWhileLeaving(vip);
            } else {
                drivers.get(vip).release(vips.get(vip));
                log.info("cluster: released VIP {}", vip);
            }
        }
        boolean failed = false;
        for (Map.Entry<String, String> e : next.entrySet()) {
            String vip = e.getKey();
            if (!config.node().equals(e.getValue()) || held.contains(vip)) {
                if (merged && held.contains(vip)) {
                    drivers.get(vip).announce(vips.get(vip));
                }
                continue;
            }
            if (waitForClaims) {
                failed = true;
                continue;
            }
            try {
                drivers.get(vip).take(vips.get(vip));
                held.add(vip);
                changed = true;
                log.info("cluster: took VIP {} ({})", vip, vips.get(vip).driver().name().toLowerCase(Locale.ROOT));
            } catch (Exception ex) {
                failed = true;
                log.warn("cluster: cannot take VIP {} yet: {}; retrying", vip, ex.getMessage());
            }
        }
        heldCount = held.size();
        if (changed) {
            guard();
        }
        if (failed) {
            scheduleRetry();
        }
        if (changed) {
            sendState();
        }
        publishStatus(members);
    }

    /**
     * A leaving node stops announcing a VIP that another node has taken but keeps its address
     * until its own connections have drained ({@link #releaseParked}): their replies still leave
     * from it, while new connections already reach the successor. A listener-only VIP ({@code none})
     * is released at once, since the successor listens already.
     */
    private void giveUpWhileLeaving(String vip) {
        VipConfig v = vips.get(vip);
        if (v.driver() == VipConfig.Driver.NONE) {
            drivers.get(vip).release(v);
            log.info("cluster: released VIP {}", vip);
        } else {
            if (guardian != null) {
                guardian.silence(v);
            }
            parked.add(vip);
            log.info("cluster: handed VIP {} over; keeping its address while connections drain", vip);
        }
    }

    /**
     * Removes the addresses of VIPs handed over during a planned stop (after the connections
     * drained, or a short bound). Blocks the caller briefly; not an event loop.
     */
    public void releaseParked() {
        try {
            thread.submit(() -> {
                for (String vip : parked) {
                    drivers.get(vip).release(vips.get(vip));
                    log.info("cluster: released VIP {}", vip);
                }
                parked.clear();
                guard();
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.info("cluster: releasing VIPs: {}", e.toString());
        }
    }

    /** Keeps the guardian's list of addresses to remove at a crash in step with what is held. */
    private void guard() {
        if (guardian != null) {
            List<VipConfig> linux = new ArrayList<>();
            Set<String> configured = new LinkedHashSet<>(held);
            configured.addAll(parked);
            for (String vip : configured) {
                VipConfig v = vips.get(vip);
                if (v.driver() == VipConfig.Driver.LINUX) {
                    linux.add(v);
                }
            }
            guardian.configured(linux);
        }
    }

    /** Without preemption a joiner must learn who holds what before it takes anything. */
    private boolean waitingForClaims() {
        if (config.preempt() || unheardSince.isEmpty()) {
            return false;
        }
        long now = System.nanoTime();
        return unheardSince.values().stream().anyMatch(t -> now - t < TimeUnit.MILLISECONDS.toNanos(CLAIM_WAIT_MS));
    }

    private void scheduleRetry() {
        if (retry == null || retry.isDone()) {
            retry = thread.schedule(() -> decide(false), RETRY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private boolean quorate() {
        return Ownership.quorate(view == null ? 0 : view.size(), config.configuredNodes());
    }

    private boolean selfEligible() {
        return trackOk && !leaving;
    }

    private List<Ownership.Member> members() {
        List<Ownership.Member> out = new ArrayList<>();
        for (Address a : view.getMembers()) {
            boolean self = a.equals(channel.getAddress());
            PeerState s = peers.get(a);
            boolean eligible = self ? selfEligible() : s == null || (s.eligible() && !s.leaving());
            out.add(new Ownership.Member(nodeName(a), priority(a), eligible));
        }
        return out;
    }

    private void publishStatus(List<Ownership.Member> members) {
        String role = leaving ? "leaving" : !quorate() ? "no_quorum" : held.isEmpty() ? "standby" : "active";
        if (!role.equals(lastRole)) {
            log.info("cluster: this node ({}) is now {}{}", config.node(), role, held.isEmpty() ? "" : ", holding " + held);
            lastRole = role;
        }
        List<ClusterStatus.Member> ms = new ArrayList<>();
        for (Ownership.Member m : members) {
            ms.add(new ClusterStatus.Member(m.name(), m.priority(), m.eligible(), m.name().equals(config.node())));
        }
        List<ClusterStatus.Vip> vs = new ArrayList<>();
        for (VipConfig v : config.vips()) {
            vs.add(new ClusterStatus.Vip(v.address(), v.driver().name().toLowerCase(Locale.ROOT),
                    assignment.getOrDefault(v.address(), ""), held.contains(v.address())));
        }
        status = new ClusterStatus(config.node(), mode(), role, quorate(), view.getViewId().getId(), ms, vs);
    }

    private void sendState() {
        if (view != null && view.size() > 1) {
            send(null, new String(new PeerState(selfEligible(), leaving, held).encode(), StandardCharsets.UTF_8));
        }
    }

    private void sendSnapshot(Address to) {
        for (Replicated r : replicated) {
            for (String entry : r.snapshot()) {
                send(to, TYPE_REPLICATED + "|" + r.kind() + "|" + entry);
            }
        }
    }

    private void send(Address to, String text) {
        try {
            channel.send(new BytesMessage(to, text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            log.debug("cluster: send failed: {}", e.toString());
        }
    }

    /**
     * Planned switchover (SIGTERM): tells the others this node is leaving so that they take its
     * VIPs, gives each VIP up once another node holds it (or {@code bound} has passed), then leaves
     * the group. Addresses of {@code linux} and {@code exec} VIPs stay configured until
     * {@link #releaseParked} (after the drain). Blocks the caller (not an event loop) for at most
     * about {@code bound}.
     */
    public void handOver(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            thread.submit(() -> {
                leaving = true;
                leaveDeadlineNanos = deadline;
                sendState();
                decide(false);
                // Someone must look again at the deadline if no claim arrives.
                thread.schedule(() -> decide(false), Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }).get();
            boolean hadVips = heldCount > 0;
            while (heldCount > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            if (hadVips && heldCount == 0) {
                // The successor's gratuitous ARP leaves a few milliseconds after its claim; clients
                // that have not heard it yet still reach this node, which keeps serving them a moment.
                Thread.sleep(SETTLE_MS);
            }
            thread.submit(() -> {
                for (String vip : new ArrayList<>(held)) {
                    giveUpWhileLeaving(vip);
                }
                held.clear();
                heldCount = 0;
                guard();
            }).get();
        } catch (Exception e) {
            log.info("cluster: hand-over interrupted: {}", e.toString());
        }
        log.info("cluster: leaving the cluster");
        try {
            thread.submit(() -> left = true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("cluster: {}", e.toString());
        }
        channel.disconnect();
    }

    /** Leaves the cluster at once, releasing every VIP this node holds. */
    @Override
    public void close() {
        try {
            thread.submit(() -> {
                for (String vip : new ArrayList<>(held)) {
                    drivers.get(vip).release(vips.get(vip));
                }
                for (String vip : parked) {
                    drivers.get(vip).release(vips.get(vip));
                }
                parked.clear();
                held.clear();
                heldCount = 0;
                closed = true;
                if (guardian != null) {
                    guardian.close();
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("cluster: close: {}", e.toString());
        }
        if (track != null) {
            track.close();
        }
        channel.close();
        thread.shutdownNow();
    }

    private String mode() {
        return config.mode() == ClusterMode.ACTIVE_ACTIVE ? "active_active" : "active_standby";
    }

    private String describe(View v) {
        StringBuilder sb = new StringBuilder("[");
        for (Address a : v.getMembers()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(nodeName(a)).append('(').append(priority(a)).append(')');
        }
        return sb.append(']').toString();
    }

    private static String nodeName(Address a) {
        if (a instanceof ExtendedUUID u) {
            byte[] name = u.get(KEY_NODE);
            if (name != null) {
                return new String(name, StandardCharsets.UTF_8);
            }
        }
        return String.valueOf(a);
    }

    private static int priority(Address a) {
        if (a instanceof ExtendedUUID u) {
            byte[] p = u.get(KEY_PRIORITY);
            if (p != null) {
                try {
                    return Integer.parseInt(new String(p, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** For tests: the VIP addresses this node holds now. */
    Optional<Set<String>> heldNow() {
        try {
            return Optional.of(thread.submit(() -> Set.copyOf(held)).get());
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
