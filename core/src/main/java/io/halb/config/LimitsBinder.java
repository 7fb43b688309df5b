package io.halb.config;

import io.halb.config.Binder.Fields;
import io.halb.config.LimitsConfig.Overload;
import io.halb.config.LimitsConfig.PerClient;
import io.halb.config.LimitsConfig.Rate;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The schema of {@code limits:}, at the top level and in a listener. Every key falls back to the
 * value of a base (the top level's limits for a listener, {@link LimitsConfig#DEFAULTS} for the top
 * level), which is what "a listener's limits override the defaults key by key" means; nested
 * mappings ({@code per_client}) override key by key too. Not thread-safe: one per load.
 */
final class LimitsBinder {

    private static final String ACTIONS = "reject, tarpit, drop or {divert: POOL}";

    private final Binder b;
    private final Binder.Reader<String> poolRef;

    /** @param poolRef reads a pool name and remembers it, to check once every pool is known */
    LimitsBinder(Binder binder, Binder.Reader<String> poolRef) {
        this.b = binder;
        this.poolRef = poolRef;
    }

    /** A {@code limits:} mapping read over {@code base}. */
    Binder.Reader<LimitsConfig> over(LimitsConfig base) {
        return (node, path) -> limits(node, path, base);
    }

    private LimitsConfig limits(YamlNode node, String path, LimitsConfig base) {
        Fields f = b.fields(node, path, "max_connections", "per_client", "table_size", "action", "tarpit",
                "allow", "deny", "overload", "min_body_rate");
        if (f == null) {
            return null;
        }
        Integer max = f.optional("max_connections", b.integer(), base.maxConnections());
        PerClient perClient = f.optional("per_client", (n, p) -> perClient(n, p, base.perClient()), base.perClient());
        Integer tableSize = f.optional("table_size", b.integer(), base.tableSize());
        LimitAction action = f.optional("action", this::action, base.action());
        Duration tarpit = f.optional("tarpit", b.duration(), base.tarpit());
        Binder.Reader<Cidr> cidr = b.scalar("an address block such as 10.0.0.0/8", Cidr::parse);
        List<Cidr> allow = f.optional("allow", b.listOf(cidr), base.allow());
        List<Cidr> deny = f.optional("deny", b.listOf(cidr), base.deny());
        Optional<Overload> overload = f.optional("overload", this::overload, base.overload());
        DataSize minBodyRate = f.optional("min_body_rate", b.scalar("a rate such as 1KiB/s", LimitsBinder::bytesPerSecond),
                base.minBodyRate());
        if (max != null && max > 0 && overload.isPresent() && overload.get().maxConnections() >= max
                && !f.failed("overload") && !f.failed("max_connections")) {
            f.error("overload", "max_connections " + overload.get().maxConnections() + " is not below the listener's "
                    + "max_connections " + max + " (expected: a threshold below the hard limit)");
        }
        return f.build(() -> new LimitsConfig(max, perClient, tableSize, action, tarpit, allow, deny, overload,
                minBodyRate));
    }

    private PerClient perClient(YamlNode node, String path, PerClient base) {
        Fields f = b.fields(node, path, "max_connections", "connection_rate", "request_rate");
        if (f == null) {
            return null;
        }
        Integer max = f.optional("max_connections", b.integer(), base.maxConnections());
        Rate connections = f.optional("connection_rate", this::rate, base.connectionRate());
        Rate requests = f.optional("request_rate", this::rate, base.requestRate());
        return f.build(() -> new PerClient(max, connections, requests));
    }

    /** {@code {rate: 50, burst: 100}}; burst defaults to the rate; {@code none} is no limit. */
    private Rate rate(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar s && !s.isNull() && s.text().equals("none")) {
            return Rate.UNLIMITED;
        }
        Fields f = b.fields(node, path, "rate", "burst");
        if (f == null) {
            return null;
        }
        Integer rate = f.required("rate", b.integer());
        Integer burst = f.optional("burst", b.integer(), rate == null ? 1 : Math.max(1, rate));
        return f.build(() -> new Rate(rate, burst));
    }

    /** {@code {max_connections: N, action: A}}, or {@code none} to turn off an inherited threshold. */
    private Optional<Overload> overload(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar s && !s.isNull() && s.text().equals("none")) {
            return Optional.empty();
        }
        Fields f = b.fields(node, path, "max_connections", "action");
        if (f == null) {
            return null;
        }
        Integer max = f.required("max_connections", b.integer());
        LimitAction action = f.required("action", this::action);
        Overload o = f.build(() -> new Overload(max, action));
        return o == null ? null : Optional.of(o);
    }

    private LimitAction action(YamlNode node, String path) {
        if (node instanceof YamlNode.Mapping) {
            Fields f = b.fields(node, path, "divert");
            if (f == null) {
                return null;
            }
            String pool = f.required("divert", poolRef);
            return f.build(() -> new LimitAction.Divert(pool));
        }
        return b.scalar(ACTIONS, s -> switch (s) {
            case "reject" -> new LimitAction.Reject();
            case "tarpit" -> new LimitAction.Tarpit();
            case "drop" -> new LimitAction.Drop();
            case "divert" -> throw new IllegalArgumentException("'divert' needs a pool (expected: {divert: POOL})");
            default -> throw new IllegalArgumentException("'" + s + "' (expected: " + ACTIONS + ")"
                    + Suggestion.didYouMean(s, List.of("reject", "tarpit", "drop", "divert")));
        }).read(node, path);
    }

    /** {@code 1KiB/s}: a size per second. */
    static DataSize bytesPerSecond(String text) {
        String s = text.trim();
        if (s.equals("0")) {
            return DataSize.ofBytes(0);
        }
        if (!s.endsWith("/s")) {
            throw new IllegalArgumentException("'" + text + "' (expected: a size per second such as 1KiB/s, or 0 for no minimum)");
        }
        return DataSize.parse(s.substring(0, s.length() - 2));
    }
}
