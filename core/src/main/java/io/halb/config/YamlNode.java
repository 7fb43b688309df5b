package io.halb.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the 1-based line and column where it starts in the file. Jackson's own tree
 * ({@code JsonNode}) drops locations, and every configuration error must name its line, so the
 * loader builds this small tree from the token stream instead. Immutable.
 */
sealed interface YamlNode {

    int line();

    int column();

    /** What the node is called in messages such as "expected a list, got a mapping". */
    String kindName();

    /** Whether an error about this node was recorded while the tree was built. */
    default boolean isInvalid() {
        return this instanceof Scalar s && s.kind() == Scalar.Kind.INVALID;
    }

    /**
     * A scalar after {@code ${NAME}} substitution.
     *
     * @param text   the value as written (substituted); empty for a null
     * @param number the value Jackson decoded when the token was numeric ({@code 0x10}, {@code 1_000}), else null
     * @param kind   how YAML typed it; a string may still hold a number after substitution
     */
    record Scalar(String text, Number number, Kind kind, int line, int column) implements YamlNode {

        /** {@code INVALID}: a value whose error is already recorded (an unset variable, an alias); readers stay silent. */
        enum Kind { STRING, INTEGER, FLOAT, BOOLEAN, NULL, INVALID }

        static Scalar invalid(String text, int line, int column) {
            return new Scalar(text, null, Kind.INVALID, line, column);
        }

        boolean isNull() {
            return kind == Kind.NULL;
        }

        @Override
        public String kindName() {
            return kind == Kind.NULL ? "nothing" : "'" + text + "'";
        }
    }

    /** A mapping; keys are unique (duplicates are reported while the tree is built) and in file order. */
    record Mapping(Map<String, Entry> entries, int line, int column) implements YamlNode {

        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String kindName() {
            return "a mapping";
        }
    }

    /** One key of a mapping, with the key's own position (where unknown-key errors point). */
    record Entry(String key, int line, int column, YamlNode value) {}

    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {

        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String kindName() {
            return "a list";
        }
    }
}
