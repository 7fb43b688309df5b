package io.halb.config;

import java.util.Map;
import java.util.Objects;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in a scalar value with environment variables;
 * {@code $${} stands for a literal {@code ${}. As in the shell, {@code :-} also applies when the
 * variable is set but empty. Substitution runs on parsed scalar values, never on the raw text, so a
 * value can neither break the YAML structure nor shift the line numbers of errors. Immutable.
 */
final class EnvSubstitution {

    private final Map<String, String> env;

    EnvSubstitution(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * Returns {@code text} with every reference replaced.
     *
     * @throws IllegalArgumentException naming the first unset variable or malformed reference
     */
    String substitute(String text) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("'" + text + "': unterminated ${ (expected: ${NAME} or ${NAME:-default}; write $${ for a literal ${)");
                }
                out.append(resolve(text.substring(i + 2, close)));
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private String resolve(String reference) {
        int sep = reference.indexOf(":-");
        String name = sep < 0 ? reference : reference.substring(0, sep);
        if (!isName(name)) {
            throw new IllegalArgumentException("'${" + reference + "}': '" + name
                    + "' is not a variable name (expected: letters, digits and '_', not starting with a digit)");
        }
        String value = env.get(name);
        if (sep >= 0) {
            return value == null || value.isEmpty() ? reference.substring(sep + 2) : value;
        }
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + name
                    + " is not set (set it, or write ${" + name + ":-default})");
        }
        return value;
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }
}
