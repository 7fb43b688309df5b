package io.halb.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Typed reading of a {@link YamlNode} tree into values, reporting each problem at its node and
 * carrying on, so that one run lists every error.
 *
 * <p>A scalar that cannot be read comes back as null. A mapping is still built when only optional
 * values failed (they fall back to their defaults) and a list keeps its good items, so that the
 * records' own checks still run on everything else; a record's complaint about a key that already
 * has an error is dropped as a repeat. Any error recorded while a key was read marks that key
 * failed. Not thread-safe: one per load.
 */
final class Binder {

    /** Reads one node; returns null after recording an error. */
    @FunctionalInterface
    interface Reader<T> {
        T read(YamlNode node, String path);
    }

    private final ConfigErrors errors;
    private final Path baseDir;
    /** Reads of nodes whose error was recorded while the tree was built; they fail their key too. */
    private int silentFailures;

    /** @param baseDir what relative paths in the file resolve against: the file's directory */
    Binder(ConfigErrors errors, Path baseDir) {
        this.errors = errors;
        this.baseDir = baseDir;
    }

    ConfigErrors errors() {
        return errors;
    }

    private int failures() {
        return errors.size() + silentFailures;
    }

    void error(YamlNode at, String path, String message) {
        errors.add(at, path, message);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A mapping with exactly these keys allowed (others are reported), or null if {@code node} is no mapping. */
    Fields fields(YamlNode node, String path, String... keys) {
        if (node.isInvalid()) {
            silentFailures++;
            return null;
        }
        if (!(node instanceof YamlNode.Mapping m)) {
            error(node, path, "expected a mapping with keys " + String.join(", ", keys) + ", got " + node.kindName());
            return null;
        }
        Set<String> known = new LinkedHashSet<>(Arrays.asList(keys));
        Fields f = new Fields(m, path);
        for (YamlNode.Entry e : m.entries().values()) {
            if (!known.contains(e.key())) {
                errors.add(e, child(path, e.key()), "unknown key" + Suggestion.didYouMean(e.key(), known)
                        + "; allowed here: " + String.join(", ", keys));
            }
        }
        return f;
    }

    /** Reads a list; null if {@code node} is no list; items that fail are left out (their errors are recorded). */
    <T> Reader<List<T>> listOf(Reader<T> item) {
        return (node, path) -> {
            if (node.isInvalid()) {
                silentFailures++;
                return null;
            }
            if (!(node instanceof YamlNode.Sequence s)) {
                error(node, path, "expected a list, got " + node.kindName());
                return null;
            }
            List<T> out = new ArrayList<>(s.items().size());
            for (int i = 0; i < s.items().size(); i++) {
                T v = item.read(s.items().get(i), path + "[" + i + "]");
                if (v != null) {
                    out.add(v);
                }
            }
            return out;
        };
    }

    /** As {@link #listOf}, and an empty list is an error naming what is missing. */
    <T> Reader<List<T>> nonEmptyListOf(Reader<T> item, String what) {
        Reader<List<T>> list = listOf(item);
        return (node, path) -> {
            if (node instanceof YamlNode.Sequence s && s.items().isEmpty()) {
                error(node, path, "empty (expected: at least one " + what + ")");
                return null;
            }
            return list.read(node, path);
        };
    }

    /**
     * A scalar turned into a value by {@code parse}, whose IllegalArgumentException becomes the
     * error. Messages that repeat the key ("expect_status: 'x' (...)") lose the repetition, since the
     * error names the key already.
     */
    <T> Reader<T> scalar(String expected, Function<String, T> parse) {
        return (node, path) -> {
            if (node.isInvalid()) {
                silentFailures++;
                return null;
            }
            if (!(node instanceof YamlNode.Scalar s) || s.isNull()) {
                error(node, path, "expected " + expected + ", got " + node.kindName());
                return null;
            }
            try {
                return parse.apply(s.text());
            } catch (IllegalArgumentException e) {
                error(node, path, withoutKey(e.getMessage(), lastKey(path)));
                return null;
            }
        };
    }

    Reader<String> string() {
        return scalar("a string", s -> s);
    }

    /** A name (pool, listener, server...): checked here so that the error points at the name itself. */
    Reader<String> name(String what) {
        return scalar("a name", s -> {
            try {
                return Names.check(what, s);
            } catch (IllegalArgumentException e) {
                // "server name: 'x' (...)": the error's key already says which name.
                throw new IllegalArgumentException(withoutKey(e.getMessage(), what));
            }
        });
    }

    Reader<Integer> integer() {
        return (node, path) -> {
            if (node.isInvalid()) {
                silentFailures++;
                return null;
            }
            if (!(node instanceof YamlNode.Scalar s) || s.isNull()) {
                error(node, path, "expected a number, got " + node.kindName());
                return null;
            }
            if (s.kind() == YamlNode.Scalar.Kind.FLOAT) {
                error(node, path, "'" + s.text() + "' (expected: a whole number)");
                return null;
            }
            long v;
            if (s.number() != null && !(s.number() instanceof java.math.BigInteger)) {
                v = s.number().longValue();
            } else {
                try {
                    v = Long.parseLong(s.text().trim());
                } catch (NumberFormatException e) {
                    error(node, path, "'" + s.text() + "' (expected: a number)");
                    return null;
                }
            }
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                error(node, path, "'" + s.text() + "' (expected: a number that fits in 32 bits)");
                return null;
            }
            return (int) v;
        };
    }

    /** Only {@code true} and {@code false}: YAML 1.1's yes/no/on/off are refused, as YAML 1.2 does. */
    Reader<Boolean> bool() {
        return scalar("true or false", s -> switch (s) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("'" + s + "' (expected: true or false)");
        });
    }

    Reader<Duration> duration() {
        return scalar("a duration such as 2s", Durations::parse);
    }

    Reader<HostPort> hostPort() {
        return scalar("an address host:port", HostPort::parse);
    }

    /** A file path; a relative one resolves against the configuration file's directory, not the working directory. */
    Reader<Path> path() {
        return scalar("a file path", s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("empty (expected: a file path)");
            }
            try {
                return baseDir.resolve(Path.of(s)).normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("'" + s + "' is not a valid path: " + e.getReason());
            }
        });
    }

    /** An enum written in lower case ({@code least_connections}); a wrong value lists the allowed ones. */
    <E extends Enum<E>> Reader<E> enumOf(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return scalar("one of " + String.join(", ", names), s -> {
            int i = names.indexOf(s);
            if (i < 0) {
                throw new IllegalArgumentException("'" + s + "' (expected one of: " + String.join(", ", names) + ")"
                        + Suggestion.didYouMean(s.toLowerCase(Locale.ROOT), names));
            }
            return type.getEnumConstants()[i];
        });
    }

    private static String lastKey(String path) {
        int dot = path.lastIndexOf('.');
        String last = path.substring(dot + 1);
        int bracket = last.indexOf('[');
        return bracket < 0 ? last : last.substring(0, bracket);
    }

    private static String withoutKey(String message, String key) {
        String prefix = key + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : String.valueOf(message);
    }

    /**
     * The keys of one mapping being read, and which of them failed. Not thread-safe.
     */
    final class Fields {

        private final YamlNode.Mapping node;
        private final String path;
        private final Set<String> failed = new HashSet<>();
        private boolean missing;

        private Fields(YamlNode.Mapping node, String path) {
            this.node = node;
            this.path = path;
        }

        YamlNode.Mapping node() {
            return node;
        }

        String path() {
            return path;
        }

        String path(String key) {
            return child(path, key);
        }

        /** Whether an error was recorded about {@code key} or anything under it. */
        boolean failed(String key) {
            return failed.contains(key);
        }

        /** The entry of {@code key} if present with a non-null value. */
        Optional<YamlNode.Entry> entry(String key) {
            YamlNode.Entry e = node.entries().get(key);
            if (e == null || (e.value() instanceof YamlNode.Scalar s && s.isNull())) {
                return Optional.empty();
            }
            return Optional.of(e);
        }

        boolean has(String key) {
            return entry(key).isPresent();
        }

        /** The value node of {@code key}, or the mapping itself when the key is absent: where an error about it points. */
        YamlNode at(String key) {
            return entry(key).map(YamlNode.Entry::value).orElse(node);
        }

        /** The value, or null (and the record will not be built) when it is absent or bad. */
        <T> T required(String key, Reader<T> reader) {
            Optional<YamlNode.Entry> e = entry(key);
            if (e.isEmpty()) {
                YamlNode.Entry present = node.entries().get(key);
                if (present != null) {
                    errors.add(present, path(key), "missing value");
                } else {
                    Binder.this.error(node, path(key), "missing (required)");
                }
                failed.add(key);
                missing = true;
                return null;
            }
            T v = read(e.get(), reader);
            if (v == null) {
                missing = true;
            }
            return v;
        }

        /** The value, or {@code defaultValue} when it is absent or bad (the error is recorded). */
        <T> T optional(String key, Reader<T> reader, T defaultValue) {
            Optional<YamlNode.Entry> e = entry(key);
            if (e.isEmpty()) {
                return defaultValue;
            }
            T v = read(e.get(), reader);
            return v == null ? defaultValue : v;
        }

        /** An optional value; empty when absent or bad. */
        <T> Optional<T> optional(String key, Reader<T> reader) {
            return Optional.ofNullable(optional(key, reader, null));
        }

        private <T> T read(YamlNode.Entry e, Reader<T> reader) {
            int before = failures();
            T v = reader.read(e.value(), path(e.key()));
            if (failures() > before || v == null) {
                failed.add(e.key());
            }
            return v;
        }

        /** Records an error about {@code key}, at its value if present, else at the mapping. */
        void error(String key, String message) {
            Binder.this.error(at(key), path(key), message);
            failed.add(key);
        }

        /**
         * Builds the record unless a required value is missing. A compact constructor's
         * "weight: -1 (...)" is reported at the {@code weight} key when this mapping has it
         * (including the last word of "server name: ..."), else at the mapping; a complaint about
         * a key that already failed repeats a recorded error and is dropped.
         */
        <T> T build(Supplier<T> constructor) {
            if (missing) {
                return null;
            }
            try {
                return constructor.get();
            } catch (IllegalArgumentException e) {
                String message = String.valueOf(e.getMessage());
                int colon = message.indexOf(": ");
                if (colon > 0) {
                    String prefix = message.substring(0, colon);
                    String key = node.entries().containsKey(prefix) ? prefix : prefix.substring(prefix.lastIndexOf(' ') + 1);
                    if (failed.contains(key)) {
                        return null;
                    }
                    if (node.entries().containsKey(key)) {
                        error(key, message.substring(colon + 2));
                        return null;
                    }
                }
                Binder.this.error(node, path, message);
                return null;
            }
        }
    }
}
