package io.halb.tls;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Server names to values: exact names ({@code api.example.com}) first, then wildcards
 * ({@code *.example.com}, which matches one label: {@code a.example.com}, not
 * {@code a.b.example.com} nor {@code example.com}, as RFC 6125 §6.4.3 has it for certificates).
 * With {@code anyDepth} (routes, like HTTP route hosts) a wildcard matches one or more labels.
 * The first value added for a name wins. Immutable once built; safe to read from any thread.
 *
 * @param <T> what a name maps to
 */
public final class NameTable<T> {

    private final Map<String, T> exact = new HashMap<>();
    private final Map<String, T> wildcard = new HashMap<>();
    private final boolean anyDepth;

    private NameTable(boolean anyDepth) {
        this.anyDepth = anyDepth;
    }

    /** A table of certificate names (a wildcard covers one label) from pairs in priority order. */
    public static <T> NameTable<T> of(Iterable<Map.Entry<String, T>> entries) {
        return of(entries, false);
    }

    /** A table built from (name or wildcard, value) pairs in priority order. */
    public static <T> NameTable<T> of(Iterable<Map.Entry<String, T>> entries, boolean anyDepth) {
        NameTable<T> t = new NameTable<>(anyDepth);
        for (Map.Entry<String, T> e : entries) {
            String name = normalize(e.getKey());
            if (name.startsWith("*.")) {
                t.wildcard.putIfAbsent(name.substring(2), e.getValue());
            } else {
                t.exact.putIfAbsent(name, e.getValue());
            }
        }
        return t;
    }

    /** The value for {@code name} (case-insensitive, a trailing dot ignored), or {@code null}. */
    public T find(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        String n = normalize(name);
        T v = exact.get(n);
        if (v != null || wildcard.isEmpty()) {
            return v;
        }
        int dot = n.indexOf('.');
        while (dot > 0) {
            v = wildcard.get(n.substring(dot + 1));
            if (v != null || !anyDepth) {
                return v;
            }
            dot = n.indexOf('.', dot + 1);
        }
        return null;
    }

    public boolean isEmpty() {
        return exact.isEmpty() && wildcard.isEmpty();
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
