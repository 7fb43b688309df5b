package io.halb.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The fields of a JSON request body, read with errors that name the field:
 * {@code weight: "3" (expected: an integer)}. Like the configuration file, it refuses fields it does
 * not know, so a typo is an error rather than a silent default.
 *
 * <p>Not thread-safe: read by the one thread handling the request.
 */
final class JsonBody {

    private final JsonNode object;

    JsonBody(JsonNode object) {
        this.object = object;
    }

    /** @throws IllegalArgumentException when the body has a field not in {@code known} */
    JsonBody only(Set<String> known) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", unknown) + ": unknown field"
                    + (unknown.size() == 1 ? "" : "s") + " (expected: " + String.join(", ", known.stream().sorted().toList()) + ")");
        }
        return this;
    }

    String requiredString(String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(field + ": missing (expected: a string)");
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(field + ": " + n + " (expected: a string)");
        }
        return n.textValue();
    }

    int requiredInt(String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(field + ": missing (expected: an integer)");
        }
        return toInt(field, n);
    }

    int optionalInt(String field, int otherwise) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() ? otherwise : toInt(field, n);
    }

    boolean optionalBoolean(String field, boolean otherwise) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException(field + ": " + n + " (expected: true or false)");
        }
        return n.booleanValue();
    }

    private static int toInt(String field, JsonNode n) {
        // 3.0 is refused as well as "3": a weight is a count, and JSON that says otherwise is a bug upstream.
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(field + ": " + n + " (expected: an integer)");
        }
        return n.intValue();
    }
}
