package io.halb.server;

import io.halb.config.HalbConfig;
import io.halb.config.HashKey;
import io.halb.config.HostPort;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration being served as plain maps and lists with the configuration's own key names
 * and value forms ({@code 2s}, {@code host:port}, {@code least_connections}), for the admin API.
 * Paths to secrets are redacted.
 */
final class EffectiveConfig {

    private static final java.util.Set<String> REDACTED = java.util.Set.of("token_file");

    private EffectiveConfig() {}

    static Object of(HalbConfig config) {
        return value("", config);
    }

    private static Object value(String key, Object v) {
        if (v == null) {
            return null;
        }
        if (REDACTED.contains(key)) {
            return v instanceof Optional<?> o && o.isEmpty() ? null : "<redacted>";
        }
        if (v instanceof Optional<?> o) {
            return o.map(x -> value(key, x)).orElse(null);
        }
        if (v instanceof Duration d) {
            return io.halb.config.Durations.format(d);
        }
        if (v instanceof HostPort || v instanceof Path || v instanceof HashKey || v instanceof io.halb.config.Cidr
                || v instanceof io.halb.config.DataSize) {
            return v.toString();
        }
        if (v instanceof io.halb.config.LimitAction a && !(a instanceof io.halb.config.LimitAction.Divert)) {
            return a.toString();
        }
        if (v instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) {
                out.add(value("", item));
            }
            return out;
        }
        if (v instanceof Record r) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                String name = snake(c.getName());
                try {
                    Object child = value(name, c.getAccessor().invoke(r));
                    if (child != null) {
                        out.put(name, child);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
        return v;
    }

    private static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        String s = sb.toString();
        return s.equals("iface") ? "interface" : s;
    }
}
