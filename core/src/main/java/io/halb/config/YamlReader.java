package io.halb.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link YamlNode} tree from Jackson's YAML token stream, keeping each node's position,
 * substituting {@code ${NAME}} in scalar values and reporting duplicate keys (which YAML parsers
 * otherwise resolve silently by keeping the last). The YAML grammar itself stays Jackson's
 * (SnakeYAML's). Not thread-safe: one per load.
 */
final class YamlReader {

    // Not YAMLFactory.builder().build(): in 2.18 that factory reads an empty value ("bind:") as "" rather than null.
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final ConfigErrors errors;
    private final EnvSubstitution env;

    YamlReader(ConfigErrors errors, EnvSubstitution env) {
        this.errors = errors;
        this.env = env;
    }

    /** The document's root, or null when there is none or the YAML is malformed (errors say why). */
    YamlNode read(String yaml) {
        try (YAMLParser p = FACTORY.createParser(yaml)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                errors.add(1, 1, "", "the file is empty (expected: a mapping with at least listeners and pools)");
                return null;
            }
            YamlNode root = value(p, "");
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                errors.add(at.getLineNr(), at.getColumnNr(), "",
                        "a second YAML document (expected: one document; remove the '---' line)");
            }
            return root;
        } catch (JsonProcessingException e) {
            syntaxError(e);
            return null;
        } catch (IOException e) {
            // A String source cannot fail to read; anything here is a parser failure in disguise.
            errors.add(0, 0, "", "cannot parse: " + e.getMessage());
            return null;
        }
    }

    private YamlNode value(YAMLParser p, String path) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        JsonToken t = p.currentToken();
        if (p.isCurrentAlias()) {
            errors.add(line, column, path, "YAML aliases (*" + p.getText() + ") are not supported; write the value out");
            return YamlNode.Scalar.invalid(p.getText(), line, column);
        }
        switch (t) {
            case START_OBJECT:
                return mapping(p, path, line, column);
            case START_ARRAY:
                return sequence(p, path, line, column);
            case VALUE_STRING:
                return string(p.getText(), path, line, column);
            case VALUE_NUMBER_INT:
                return new YamlNode.Scalar(p.getText(), p.getNumberValue(), YamlNode.Scalar.Kind.INTEGER, line, column);
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.Scalar(p.getText(), null, YamlNode.Scalar.Kind.FLOAT, line, column);
            case VALUE_TRUE:
            case VALUE_FALSE:
                // The text as written: YAML 1.1 also reads yes/on as true, which the binder refuses.
                return new YamlNode.Scalar(p.getText(), null, YamlNode.Scalar.Kind.BOOLEAN, line, column);
            case VALUE_NULL:
                return new YamlNode.Scalar("", null, YamlNode.Scalar.Kind.NULL, line, column);
            default:
                // VALUE_EMBEDDED_OBJECT: a !!binary scalar; nothing in the configuration takes one.
                errors.add(line, column, path, "unsupported YAML value " + t);
                p.skipChildren();
                return YamlNode.Scalar.invalid("", line, column);
        }
    }

    private YamlNode mapping(YAMLParser p, String path, int line, int column) throws IOException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            p.nextToken();
            YamlNode v = value(p, keyPath);
            YamlNode.Entry first = entries.get(key);
            if (first != null) {
                errors.add(keyAt.getLineNr(), keyAt.getColumnNr(), keyPath,
                        "duplicate key (first at line " + first.line() + ")");
            } else {
                entries.put(key, new YamlNode.Entry(key, keyAt.getLineNr(), keyAt.getColumnNr(), v));
            }
        }
        return new YamlNode.Mapping(entries, line, column);
    }

    private YamlNode sequence(YAMLParser p, String path, int line, int column) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            items.add(value(p, path + "[" + items.size() + "]"));
        }
        return new YamlNode.Sequence(items, line, column);
    }

    private YamlNode string(String text, String path, int line, int column) {
        try {
            return new YamlNode.Scalar(env.substitute(text), null, YamlNode.Scalar.Kind.STRING, line, column);
        } catch (IllegalArgumentException e) {
            errors.add(line, column, path, e.getMessage());
            return YamlNode.Scalar.invalid(text, line, column);
        }
    }

    /**
     * SnakeYAML's messages span several lines with a quoted excerpt and a caret; the position is in
     * the error already, so keep only the problem and where the enclosing construct began.
     */
    private void syntaxError(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        int line = at == null ? 0 : Math.max(at.getLineNr(), 0);
        int column = at == null ? 0 : Math.max(at.getColumnNr(), 0);
        String message = e.getOriginalMessage();
        Throwable cause = e.getCause();
        if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
            StringBuilder sb = new StringBuilder();
            sb.append(m.getProblem() == null ? "malformed YAML" : m.getProblem().trim());
            if (m.getContext() != null) {
                sb.append(" (").append(m.getContext().trim());
                if (m.getContextMark() != null) {
                    sb.append(" at line ").append(m.getContextMark().getLine() + 1);
                }
                sb.append(')');
            }
            message = sb.toString();
            if (m.getProblemMark() != null) {
                line = m.getProblemMark().getLine() + 1;
                column = m.getProblemMark().getColumn() + 1;
            }
        } else if (message != null && message.contains("<org.yaml")) {
            message = message.replaceAll("<org\\.yaml\\.snakeyaml\\.events\\.(\\w+)Event\\(.*?\\)>", "$1");
        }
        errors.add(line, column, "", "YAML syntax error: " + (message == null ? "malformed YAML" : message));
    }

}
