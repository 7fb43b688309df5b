package io.halb.config;

import io.halb.config.Binder.Fields;
import io.halb.config.ClusterConfig.ClusterMode;
import io.halb.config.ClusterConfig.VipConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configuration schema: which keys each mapping has, their types and defaults, and the checks
 * that span records (pool references, unique names and binds, hash keys that need HTTP). The
 * records validate their own fields; this class only knows where in the file each value came from.
 * Not thread-safe: one per load.
 */
final class ConfigBinder {

    private static final String HASH_KEYS = "source_ip | uri | uri_with_query | header:NAME | cookie:NAME";
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** A place that names a pool, kept until every pool is known. */
    private record PoolRef(String pool, YamlNode at, String path, String tcpUser) {}

    /** What the cross-checks need of a pool, gathered even when the pool itself had errors. */
    private record PoolSite(String path, YamlNode hashKeyAt, String hashKeyPath, Optional<HashKey> effectiveKey) {}

    private record BindSite(HostPort bind, YamlNode at, String path, String owner) {}

    private final Binder b;
    private final Path source;
    private final List<PoolRef> poolRefs = new ArrayList<>();
    private final Map<String, PoolSite> pools = new LinkedHashMap<>();
    private final Map<String, String> listenerNames = new HashMap<>();
    private final List<BindSite> binds = new ArrayList<>();
    private boolean poolListRead;
    /** The top level's {@code limits:}, which every listener's own limits override key by key. */
    private LimitsConfig defaultLimits = LimitsConfig.DEFAULTS;

    ConfigBinder(Binder binder, Path source) {
        this.b = binder;
        this.source = source;
    }

    /** The configuration, or null when an error was recorded. */
    HalbConfig bind(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping)) {
            b.error(root, "", "expected a mapping at the top level (keys admin, event_loops, listeners, pools, "
                    + "timeouts, cluster, access_log, limits), got " + root.kindName());
            return null;
        }
        Fields f = b.fields(root, "", "admin", "event_loops", "listeners", "pools", "timeouts", "cluster",
                "access_log", "limits");
        defaultLimits = f.optional("limits", limits().over(LimitsConfig.DEFAULTS), LimitsConfig.DEFAULTS);
        AdminConfig admin = f.optional("admin", this::admin, AdminConfig.defaults());
        Integer eventLoops = f.optional("event_loops", b.integer(), 0);
        List<PoolConfig> poolList = f.required("pools", b.nonEmptyListOf(this::pool, "pool"));
        poolListRead = f.has("pools") && f.at("pools") instanceof YamlNode.Sequence;
        List<ListenerConfig> listeners = f.required("listeners", b.nonEmptyListOf(this::listener, "listener"));
        Timeouts timeouts = f.optional("timeouts", this::timeouts, Timeouts.DEFAULTS);
        Optional<ClusterConfig> cluster = f.optional("cluster", this::cluster);
        Optional<AccessLogConfig> accessLog = f.optional("access_log", this::accessLog);
        if (admin != null && admin.bind().port() != 0) {
            binds.add(0, new BindSite(admin.bind(), f.node(), "admin.bind", "admin"));
        }
        checkPoolReferences();
        checkBinds();
        return f.build(() -> new HalbConfig(source, admin, eventLoops, listeners, poolList, timeouts, cluster,
                accessLog));
    }

    private AdminConfig admin(YamlNode node, String path) {
        Fields f = b.fields(node, path, "bind", "token_file", "state_file");
        if (f == null) {
            return null;
        }
        HostPort bind = f.optional("bind", b.hostPort(), AdminConfig.DEFAULT_BIND);
        Optional<Path> tokenFile = f.optional("token_file", b.path());
        Optional<Path> stateFile = f.optional("state_file", b.path());
        // A failed token_file already has its error; asking for one again would mislead.
        if (!f.failed("bind") && !f.has("token_file") && !AdminConfig.isLoopback(bind.host())) {
            f.error("bind", "binding a non-loopback address needs token_file: every request must then carry "
                    + "the bearer token");
        }
        return f.build(() -> new AdminConfig(bind, tokenFile, stateFile));
    }

    private AccessLogConfig accessLog(YamlNode node, String path) {
        Fields f = b.fields(node, path, "path", "format");
        if (f == null) {
            return null;
        }
        Optional<Path> logFile = f.required("path", this::logFile);
        AccessLogConfig.Format format = f.optional("format", b.enumOf(AccessLogConfig.Format.class),
                AccessLogConfig.Format.COMBINED);
        return f.build(() -> new AccessLogConfig(logFile, format));
    }

    /** A file path, or {@code stdout} (empty); null after an error. */
    private Optional<Path> logFile(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar s && !s.isNull() && s.text().equals("stdout")) {
            return Optional.empty();
        }
        Path file = b.path().read(node, path);
        return file == null ? null : Optional.of(file);
    }

    private Timeouts timeouts(YamlNode node, String path) {
        Fields f = b.fields(node, path, "connect", "header_read", "client_idle", "server", "upstream_idle", "shutdown",
                "tls_handshake");
        if (f == null) {
            return null;
        }
        Timeouts d = Timeouts.DEFAULTS;
        Duration connect = f.optional("connect", b.duration(), d.connect());
        Duration headerRead = f.optional("header_read", b.duration(), d.headerRead());
        Duration clientIdle = f.optional("client_idle", b.duration(), d.clientIdle());
        Duration server = f.optional("server", b.duration(), d.server());
        Duration upstreamIdle = f.optional("upstream_idle", b.duration(), d.upstreamIdle());
        Duration shutdown = f.optional("shutdown", b.duration(), d.shutdown());
        Duration tlsHandshake = f.optional("tls_handshake", b.duration(), d.tlsHandshake());
        return f.build(() -> new Timeouts(connect, headerRead, clientIdle, server, upstreamIdle, shutdown, tlsHandshake));
    }

    // ---- listeners

    private ListenerConfig listener(YamlNode node, String path) {
        Fields f = b.fields(node, path, "name", "bind", "mode", "pool", "routes", "tls", "sni_routes", "proxy_protocol",
                "limits", "h2c");
        if (f == null) {
            return null;
        }
        String name = f.required("name", b.name("listener name"));
        if (name != null) {
            String first = listenerNames.putIfAbsent(name, path);
            if (first != null) {
                f.error("name", "'" + name + "' is already the name of " + first + " (expected: unique listener names)");
            }
        }
        HostPort bind = f.required("bind", b.hostPort());
        Mode mode = f.optional("mode", b.enumOf(Mode.class), Mode.HTTP);
        String owner = "listener '" + (name == null ? path : name) + "'";
        String tcpUser = mode == Mode.TCP ? "tcp " + owner + " (" + path + ")" : null;
        String pool = f.required("pool", poolRef(tcpUser));
        List<RouteConfig> routes = f.optional("routes", b.listOf(this::route), List.of());
        Optional<TlsConfig> tls = f.optional("tls", this::tls);
        List<SniRouteConfig> sniRoutes = f.optional("sni_routes", b.listOf(this::sniRoute), List.of());
        List<Cidr> proxyFrom = f.optional("proxy_protocol", this::proxyProtocol, List.of());
        LimitsConfig limits = f.optional("limits", limits().over(defaultLimits), defaultLimits);
        Boolean h2c = f.optional("h2c", b.bool(), false);
        if (Boolean.TRUE.equals(h2c) && tls.isPresent()) {
            f.error("h2c", "cleartext HTTP/2 only (a tls listener offers HTTP/2 through ALPN)");
        }
        if (!f.failed("mode")) {
            checkModeSpecificKeys(f, mode);
        }
        if (bind != null && bind.port() != 0) {
            binds.add(new BindSite(bind, f.at("bind"), f.path("bind"), owner));
        }
        return f.build(() -> new ListenerConfig(name, bind, mode, pool, routes, tls, sniRoutes, proxyFrom,
                limits, h2c));
    }

    private LimitsBinder limits() {
        return new LimitsBinder(b, poolRef(null));
    }

    /** {@code proxy_protocol: {trusted: [CIDR, ...]}}: the peers whose connections carry a PROXY header. */
    private List<Cidr> proxyProtocol(YamlNode node, String path) {
        Fields f = b.fields(node, path, "trusted");
        if (f == null) {
            return null;
        }
        List<Cidr> trusted = f.required("trusted", b.nonEmptyListOf(b.scalar("an address block such as 10.0.0.0/8", Cidr::parse), "address block"));
        return f.build(() -> trusted);
    }

    /** Skipped when the mode itself is wrong: judging these keys against the fallback mode would mislead. */
    private static void checkModeSpecificKeys(Fields f, Mode mode) {
        if (mode == Mode.TCP) {
            if (f.has("routes")) {
                f.error("routes", "only for mode http (a tcp listener does not read requests; "
                        + "use sni_routes to route TLS by server name)");
            }
            if (f.has("tls")) {
                f.error("tls", "only for mode http (a tcp listener passes TLS through; use sni_routes to route it)");
            }
            if (f.has("h2c")) {
                f.error("h2c", "only for mode http (a tcp listener does not speak HTTP)");
            }
        } else if (f.has("sni_routes")) {
            f.error("sni_routes", "only for mode tcp (an http listener routes with routes: {host, path_prefix, pool})");
        }
    }

    private RouteConfig route(YamlNode node, String path) {
        Fields f = b.fields(node, path, "host", "path_prefix", "pool");
        if (f == null) {
            return null;
        }
        Optional<String> host = f.optional("host", b.string());
        Optional<String> pathPrefix = f.optional("path_prefix", b.string());
        String pool = f.required("pool", poolRef(null));
        return f.build(() -> new RouteConfig(host, pathPrefix, pool));
    }

    private SniRouteConfig sniRoute(YamlNode node, String path) {
        Fields f = b.fields(node, path, "sni", "pool");
        if (f == null) {
            return null;
        }
        String sni = f.required("sni", b.string());
        String pool = f.required("pool", poolRef("tcp sni_route (" + path + ")"));
        return f.build(() -> new SniRouteConfig(sni, pool));
    }

    /** Reads a pool name and remembers where it was written, to check it once every pool is known. */
    private Binder.Reader<String> poolRef(String tcpUser) {
        Binder.Reader<String> name = b.name("pool");
        return (node, path) -> {
            String pool = name.read(node, path);
            if (pool != null) {
                poolRefs.add(new PoolRef(pool, node, path, tcpUser));
            }
            return pool;
        };
    }

    private TlsConfig tls(YamlNode node, String path) {
        Fields f = b.fields(node, path, "certificates", "client_auth", "provider");
        if (f == null) {
            return null;
        }
        List<TlsConfig.Certificate> certificates = f.required("certificates",
                b.nonEmptyListOf(this::certificate, "{cert, key}"));
        Optional<TlsConfig.ClientAuth> clientAuth = f.optional("client_auth", this::clientAuth);
        TlsConfig.Provider provider = f.optional("provider", b.enumOf(TlsConfig.Provider.class), TlsConfig.Provider.AUTO);
        return f.build(() -> new TlsConfig(certificates, clientAuth, provider));
    }

    private TlsConfig.ClientAuth clientAuth(YamlNode node, String path) {
        Fields f = b.fields(node, path, "ca_file", "mode", "header");
        if (f == null) {
            return null;
        }
        Path caFile = f.required("ca_file", b.path());
        TlsConfig.ClientAuth.Mode mode = f.optional("mode", b.enumOf(TlsConfig.ClientAuth.Mode.class),
                TlsConfig.ClientAuth.Mode.REQUIRED);
        Optional<String> header = f.optional("header", b.string());
        return f.build(() -> new TlsConfig.ClientAuth(caFile, mode, header));
    }

    /** {@code tls:} of a pool: TLS to its servers. */
    private UpstreamTlsConfig upstreamTls(YamlNode node, String path) {
        Fields f = b.fields(node, path, "verify", "ca_file", "sni", "cert", "key");
        if (f == null) {
            return null;
        }
        UpstreamTlsConfig.Verify verify = f.optional("verify", b.enumOf(UpstreamTlsConfig.Verify.class),
                UpstreamTlsConfig.Verify.REQUIRED);
        Optional<Path> caFile = f.optional("ca_file", b.path());
        Optional<String> sni = f.optional("sni", b.string());
        Optional<Path> cert = f.optional("cert", b.path());
        Optional<Path> key = f.optional("key", b.path());
        return f.build(() -> new UpstreamTlsConfig(verify, caFile, sni, cert, key));
    }

    private TlsConfig.Certificate certificate(YamlNode node, String path) {
        Fields f = b.fields(node, path, "cert", "key");
        if (f == null) {
            return null;
        }
        Path cert = f.required("cert", b.path());
        Path key = f.required("key", b.path());
        return f.build(() -> new TlsConfig.Certificate(cert, key));
    }

    // ---- pools

    private PoolConfig pool(YamlNode node, String path) {
        Fields f = b.fields(node, path, "name", "algorithm", "hash_key", "persistence", "health", "agent",
                "retries", "slow_start", "max_queue", "queue_timeout", "hash_balance_factor", "send_proxy", "servers",
                "tls");
        if (f == null) {
            return null;
        }
        String name = f.required("name", b.name("pool name"));
        Algorithm algorithm = f.optional("algorithm", b.enumOf(Algorithm.class), Algorithm.ROUND_ROBIN);
        Optional<HashKey> hashKey = f.optional("hash_key", b.scalar("a hash key (" + HASH_KEYS + ")", HashKey::parse));
        if (!f.failed("algorithm")) {
            checkHashKey(f, algorithm, hashKey);
        }
        PersistenceConfig persistence = f.optional("persistence", this::persistence, PersistenceConfig.NONE);
        HealthConfig health = f.optional("health", this::health, HealthConfig.NONE);
        Optional<AgentConfig> agent = f.optional("agent", this::agent);
        Integer retries = f.optional("retries", b.integer(), 2);
        Duration slowStart = f.optional("slow_start", b.duration(), Duration.ZERO);
        Integer maxQueue = f.optional("max_queue", b.integer(), PoolConfig.DEFAULT_MAX_QUEUE);
        Duration queueTimeout = f.optional("queue_timeout", b.duration(), PoolConfig.DEFAULT_QUEUE_TIMEOUT);
        Integer hashBalanceFactor = f.optional("hash_balance_factor", b.integer(), 0);
        ProxyProtocol sendProxy = f.optional("send_proxy", b.enumOf(ProxyProtocol.class), ProxyProtocol.NONE);
        Optional<UpstreamTlsConfig> tls = f.optional("tls", this::upstreamTls);
        if (hashBalanceFactor != null && hashBalanceFactor != 0 && algorithm != null && !algorithm.isHash()) {
            f.error("hash_balance_factor", "only for hash algorithms (algorithm is " + algorithm.yamlName() + ")");
        }
        Map<String, String> serverNames = new HashMap<>();
        List<ServerConfig> servers = f.required("servers", b.nonEmptyListOf(
                (n, p) -> server(n, p, serverNames), "server"));
        if (servers != null && !f.failed("servers") && servers.stream().allMatch(ServerConfig::backup)) {
            f.error("servers", "every server is a backup (expected: at least one server without backup: true)");
        }
        if (name != null) {
            if (pools.containsKey(name)) {
                f.error("name", "'" + name + "' is already the name of " + pools.get(name).path()
                        + " (expected: unique pool names)");
            } else {
                Optional<HashKey> effective = algorithm == null ? Optional.empty() : effectiveKey(algorithm, hashKey);
                String keyAt = f.has("hash_key") ? "hash_key" : "algorithm";
                pools.put(name, new PoolSite(path, f.at(keyAt), f.path(keyAt), effective));
            }
        }
        return f.build(() -> new PoolConfig(name, algorithm, hashKey, persistence, health, agent, retries, servers,
                slowStart, maxQueue, queueTimeout, hashBalanceFactor, sendProxy, tls));
    }

    /** Mirrors {@link PoolConfig#effectiveHashKey()}, which needs a built pool. */
    private static Optional<HashKey> effectiveKey(Algorithm algorithm, Optional<HashKey> hashKey) {
        return switch (algorithm) {
            case SOURCE_IP_HASH -> Optional.of(new HashKey.SourceIp());
            case URI_HASH -> Optional.of(hashKey.orElse(new HashKey.Uri(false)));
            case HASH -> hashKey;
            default -> Optional.empty();
        };
    }

    private void checkHashKey(Fields f, Algorithm algorithm, Optional<HashKey> hashKey) {
        if (algorithm == Algorithm.HASH && !f.has("hash_key")) {
            b.error(f.at("algorithm"), f.path("hash_key"),
                    "missing (required when algorithm is hash; expected: " + HASH_KEYS + ")");
            return;
        }
        if (hashKey.isEmpty()) {
            return;
        }
        HashKey key = hashKey.get();
        if (!algorithm.isHash()) {
            f.error("hash_key", "only for hash algorithms (algorithm is " + algorithm.yamlName()
                    + "; use algorithm: hash to hash by " + key + ")");
        } else if (algorithm == Algorithm.SOURCE_IP_HASH && !(key instanceof HashKey.SourceIp)) {
            f.error("hash_key", "'" + key + "' does not fit algorithm source_ip_hash, which always hashes "
                    + "source_ip (use algorithm: hash to hash by " + key + ")");
        } else if (algorithm == Algorithm.URI_HASH && !(key instanceof HashKey.Uri)) {
            f.error("hash_key", "'" + key + "' does not fit algorithm uri_hash (expected: uri or uri_with_query; "
                    + "use algorithm: hash to hash by " + key + ")");
        }
    }

    private ServerConfig server(YamlNode node, String path, Map<String, String> seen) {
        Fields f = b.fields(node, path, "name", "address", "weight", "backup", "max_connections");
        if (f == null) {
            return null;
        }
        String name = f.required("name", b.name("server name"));
        if (name != null) {
            String first = seen.putIfAbsent(name, path);
            if (first != null) {
                f.error("name", "'" + name + "' is already the name of " + first
                        + " (expected: unique server names within a pool)");
            }
        }
        HostPort address = f.required("address", b.hostPort());
        Integer weight = f.optional("weight", b.integer(), ServerConfig.DEFAULT_WEIGHT);
        Boolean backup = f.optional("backup", b.bool(), Boolean.FALSE);
        Integer maxConnections = f.optional("max_connections", b.integer(), 0);
        return f.build(() -> new ServerConfig(name, address, weight, backup, maxConnections));
    }

    private PersistenceConfig persistence(YamlNode node, String path) {
        Fields f = b.fields(node, path, "type", "cookie", "ttl");
        if (f == null) {
            return null;
        }
        PersistenceConfig d = PersistenceConfig.NONE;
        PersistenceConfig.Type type = f.required("type", b.enumOf(PersistenceConfig.Type.class));
        String cookie = f.optional("cookie", b.string(), d.cookie());
        Duration ttl = f.optional("ttl", b.duration(), d.ttl());
        if (type != null && type != PersistenceConfig.Type.COOKIE && f.has("cookie")) {
            f.error("cookie", "only for type cookie (type is " + type.name().toLowerCase(Locale.ROOT) + ")");
        }
        return f.build(() -> new PersistenceConfig(type, cookie, ttl));
    }

    private static final List<String> HTTP_HEALTH_KEYS = List.of("method", "path", "host", "expect_status", "expect_body");

    private HealthConfig health(YamlNode node, String path) {
        Fields f = b.fields(node, path, "type", "method", "path", "host", "expect_status", "expect_body",
                "interval", "timeout", "rise", "fall");
        if (f == null) {
            return null;
        }
        HealthConfig d = HealthConfig.NONE;
        HealthConfig.Type type = f.required("type", b.enumOf(HealthConfig.Type.class));
        HealthConfig.Method method = f.optional("method", b.scalar("GET, HEAD or OPTIONS", HealthConfig.Method::parse),
                d.method());
        String checkPath = f.optional("path", b.string(), d.path());
        Optional<String> host = f.optional("host", b.string());
        List<HealthConfig.StatusRange> expect = f.optional("expect_status", this::statusRanges, d.expectStatuses());
        Optional<String> expectBody = f.optional("expect_body", b.string());
        Duration interval = f.optional("interval", b.duration(), d.interval());
        Duration timeout = f.optional("timeout", b.duration(), d.timeout());
        Integer rise = f.optional("rise", b.integer(), d.rise());
        Integer fall = f.optional("fall", b.integer(), d.fall());
        if (type != null && type != HealthConfig.Type.HTTP) {
            for (String httpOnly : HTTP_HEALTH_KEYS) {
                if (f.has(httpOnly)) {
                    f.error(httpOnly, "only for type http (type is " + type.name().toLowerCase(Locale.ROOT) + ")");
                }
            }
        }
        return f.build(() -> new HealthConfig(type, method, checkPath, host, expect, expectBody,
                interval, timeout, rise, fall));
    }

    /** {@code 200}, {@code 200-399} or a list of them: {@code [200-299, 302]}. */
    private List<HealthConfig.StatusRange> statusRanges(YamlNode node, String path) {
        Binder.Reader<HealthConfig.StatusRange> range =
                b.scalar("a status such as 200 or 200-399", HealthConfig.StatusRange::parse);
        if (node instanceof YamlNode.Sequence) {
            return b.nonEmptyListOf(range, "status or range of statuses").read(node, path);
        }
        HealthConfig.StatusRange one = range.read(node, path);
        return one == null ? null : List.of(one);
    }

    private AgentConfig agent(YamlNode node, String path) {
        Fields f = b.fields(node, path, "port", "interval");
        if (f == null) {
            return null;
        }
        Integer port = f.required("port", b.integer());
        Duration interval = f.optional("interval", b.duration(), Duration.ofSeconds(5));
        return f.build(() -> new AgentConfig(port, interval));
    }

    // ---- cluster

    private ClusterConfig cluster(YamlNode node, String path) {
        Fields f = b.fields(node, path, "node", "bind", "peers", "mode", "priority", "preempt", "vips", "track",
                "command");
        if (f == null) {
            return null;
        }
        String name = f.required("node", b.name("node"));
        HostPort bind = f.required("bind", b.hostPort());
        List<HostPort> peers = f.optional("peers", b.listOf(b.hostPort()), List.of());
        ClusterMode mode = f.optional("mode", b.enumOf(ClusterMode.class), ClusterMode.ACTIVE_STANDBY);
        Integer priority = f.optional("priority", b.integer(), 100);
        Boolean preempt = f.optional("preempt", b.bool(), Boolean.TRUE);
        List<VipConfig> vips = f.optional("vips", b.listOf(this::vip), List.of());
        List<HostPort> track = f.optional("track", b.listOf(b.hostPort()), List.of());
        String command = f.optional("command", b.string(), "");
        if (bind != null && peers != null && peers.contains(bind)) {
            f.error("peers", bind + " is this node's own bind (expected: the other nodes' cluster addresses)");
        }
        if (vips != null && command != null && command.isBlank()
                && vips.stream().anyMatch(v -> v.driver() == VipConfig.Driver.EXEC && v.command().isEmpty())) {
            f.error("vips", "a VIP with driver exec has no command (expected: command: on the VIP or on cluster)");
        }
        return f.build(() -> new ClusterConfig(name, bind, peers, mode, priority, preempt, vips, track,
                command.isBlank() ? Optional.empty() : Optional.of(command)));
    }

    private VipConfig vip(YamlNode node, String path) {
        Fields f = b.fields(node, path, "address", "interface", "driver", "prefer", "command");
        if (f == null) {
            return null;
        }
        String address = f.required("address", b.scalar("an IP address such as 198.18.0.100/24", ConfigBinder::vipAddress));
        String iface = f.optional("interface", b.string(), "");
        VipConfig.Driver driver = f.optional("driver", b.enumOf(VipConfig.Driver.class), VipConfig.Driver.LINUX);
        String prefer = f.optional("prefer", b.name("prefer"), "");
        String command = f.optional("command", b.string(), "");
        if (driver == VipConfig.Driver.LINUX && iface != null && iface.isBlank()) {
            f.error("interface", "missing (required for driver linux: the interface the address is added to)");
        }
        return f.build(() -> new VipConfig(address, iface, driver,
                prefer == null || prefer.isEmpty() ? Optional.empty() : Optional.of(prefer),
                command == null || command.isBlank() ? Optional.empty() : Optional.of(command)));
    }

    private static String vipAddress(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        boolean v4 = IPV4.matcher(ip).matches();
        boolean v6 = !v4 && IPV6.matcher(ip).matches();
        boolean ok = v4 || v6;
        if (ok && slash >= 0) {
            try {
                int prefix = Integer.parseInt(s.substring(slash + 1));
                ok = prefix >= 0 && prefix <= (v4 ? 32 : 128);
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("'" + text + "' (expected: an IP address with an optional /prefix, "
                    + "e.g. 198.18.0.100/24)");
        }
        return s;
    }

    // ---- checks across records

    private void checkPoolReferences() {
        Map<String, String> tcpUsers = new LinkedHashMap<>();
        for (PoolRef ref : poolRefs) {
            PoolSite site = pools.get(ref.pool());
            if (site == null) {
                if (poolListRead) {
                    b.error(ref.at(), ref.path(), "no pool named '" + ref.pool() + "'"
                            + Suggestion.didYouMean(ref.pool(), pools.keySet())
                            + (pools.isEmpty() ? "" : "; pools: " + String.join(", ", pools.keySet())));
                }
            } else if (ref.tcpUser() != null) {
                tcpUsers.putIfAbsent(ref.pool(), ref.tcpUser());
            }
        }
        tcpUsers.forEach((pool, user) -> {
            PoolSite site = pools.get(pool);
            site.effectiveKey().filter(HashKey::needsHttp).ifPresent(key ->
                    b.error(site.hashKeyAt(), site.hashKeyPath(), "hash key '" + key + "' needs HTTP, but pool '"
                            + pool + "' is used by " + user + " (expected: source_ip for a tcp pool)"));
        });
    }

    /**
     * Two sockets on one port conflict when their hosts are equal or either is a wildcard; port 0
     * (an ephemeral port, in tests) never conflicts.
     */
    private void checkBinds() {
        for (int i = 1; i < binds.size(); i++) {
            BindSite later = binds.get(i);
            for (int j = 0; j < i; j++) {
                BindSite earlier = binds.get(j);
                if (conflict(earlier.bind(), later.bind())) {
                    b.error(later.at(), later.path(), later.bind() + " is already bound by " + earlier.owner()
                            + " (" + earlier.path() + ")");
                    break;
                }
            }
        }
    }

    private static boolean conflict(HostPort a, HostPort c) {
        return a.port() == c.port()
                && (a.host().equals(c.host()) || isWildcard(a.host()) || isWildcard(c.host()));
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }
}
