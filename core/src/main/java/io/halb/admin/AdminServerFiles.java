package io.halb.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The dashboard's static files, read from the class path under {@code io/halb/admin/dashboard/}.
 *
 * <p>Only names made of letters, digits, {@code _ - .} and {@code /}, with a known extension, are
 * looked up: {@code ..} and anything else that could leave the directory (or list it, which a
 * {@code file:} class path would do for a directory name) never reaches the class loader.
 *
 * <p>Thread-safety: stateless; {@link #read} reads a jar or a file, so call it off the event loops.
 */
final class AdminServerFiles {

    static final String ROOT = "io/halb/admin/dashboard/";

    private static final Pattern SAFE = Pattern.compile("([A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*");

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("map", "application/json; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"));

    private final ClassLoader loader;

    AdminServerFiles(ClassLoader loader) {
        this.loader = loader;
    }

    /** A file and its {@code Content-Type}. */
    record StaticFile(byte[] content, String contentType) {}

    /**
     * Whether {@code path} (decoded, relative to the dashboard directory, {@code ""} for the directory)
     * may be looked up at all. A refused path is a bad request, not a missing file.
     */
    static boolean allowed(String path) {
        String p = path.isEmpty() || path.endsWith("/") ? path + "index.html" : path;
        return !p.contains("..") && SAFE.matcher(p).matches();
    }

    /** The file at {@code path} (see {@link #allowed}), or empty when there is none. */
    Optional<StaticFile> read(String path) {
        if (!allowed(path)) {
            return Optional.empty();
        }
        String p = path.isEmpty() || path.endsWith("/") ? path + "index.html" : path;
        int dot = p.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(p.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        try (InputStream in = loader.getResourceAsStream(ROOT + p)) {
            return in == null ? Optional.empty() : Optional.of(new StaticFile(in.readAllBytes(), type));
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard file " + p + ": " + e.getMessage(), e);
        }
    }
}
