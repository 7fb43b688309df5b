package io.halb.config;

import java.util.Locale;

/** What a hash algorithm hashes: {@code source_ip | uri | header:NAME | cookie:NAME}. */
public sealed interface HashKey {

    /** Whether the key can only be read from an HTTP request (a config error on a tcp listener). */
    boolean needsHttp();

    record SourceIp() implements HashKey {
        @Override public boolean needsHttp() { return false; }
        @Override public String toString() { return "source_ip"; }
    }

    /** The request path, and the query too when {@code withQuery}. */
    record Uri(boolean withQuery) implements HashKey {
        @Override public boolean needsHttp() { return true; }
        @Override public String toString() { return withQuery ? "uri_with_query" : "uri"; }
    }

    record Header(String name) implements HashKey {
        public Header {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("header name: empty (expected: header:NAME)");
            }
            name = name.toLowerCase(Locale.ROOT);
        }
        @Override public boolean needsHttp() { return true; }
        @Override public String toString() { return "header:" + name; }
    }

    record Cookie(String name) implements HashKey {
        public Cookie {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("cookie name: empty (expected: cookie:NAME)");
            }
        }
        @Override public boolean needsHttp() { return true; }
        @Override public String toString() { return "cookie:" + name; }
    }

    /** Parses the configuration form. */
    static HashKey parse(String text) {
        String s = text.trim();
        if (s.equals("source_ip")) {
            return new SourceIp();
        }
        if (s.equals("uri")) {
            return new Uri(false);
        }
        if (s.equals("uri_with_query")) {
            return new Uri(true);
        }
        if (s.startsWith("header:")) {
            return new Header(s.substring("header:".length()));
        }
        if (s.startsWith("cookie:")) {
            return new Cookie(s.substring("cookie:".length()));
        }
        throw new IllegalArgumentException("'" + text
                + "' (expected: source_ip | uri | uri_with_query | header:NAME | cookie:NAME)");
    }
}
