package io.halb.config;

import java.util.regex.Pattern;

/** The rule for names in the configuration (listeners, pools, servers, nodes, cookies). */
final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private Names() {}

    static String check(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + ": '" + name
                    + "' (expected: 1-64 of letters, digits, '_', '.', '-', starting with a letter or digit)");
        }
        return name;
    }
}
