package io.halb.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The admin API's JSON: snake_case names, like the configuration file ({@code base_weight},
 * {@code response_millis}), so a field reads the same in YAML, in a request and in a response.
 *
 * <p>Thread-safe (Jackson's mapper is, once configured).
 */
final class Json {

    private final ObjectMapper mapper = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    /** {@code value} as UTF-8 JSON followed by a newline, so {@code curl} output ends its line. */
    byte[] write(Object value) {
        try {
            byte[] json = mapper.writeValueAsBytes(value);
            byte[] out = new byte[json.length + 1];
            System.arraycopy(json, 0, out, 0, json.length);
            out[json.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code value} as one line of JSON, for a server-sent event's {@code data:} field. */
    String writeLine(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A request body that must be one JSON object.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g. {@code body: not JSON: ...}
     */
    JsonBody readObject(byte[] body) {
        if (body.length == 0) {
            throw new IllegalArgumentException("body: empty (expected: a JSON object)");
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("body: not JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("body: " + (node == null ? "empty" : node.getNodeType().name().toLowerCase())
                    + " (expected: a JSON object)");
        }
        return new JsonBody(node);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
