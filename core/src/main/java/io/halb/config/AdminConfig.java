package io.halb.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The admin listener: dashboard, REST API and {@code /metrics}.
 *
 * <p>Loading the configuration never reads {@code tokenFile}: the server calls {@link #readToken()}
 * when it starts, so that {@code halb validate} stays free of secrets and a token can be rotated by a
 * restart or reload.
 *
 * @param tokenFile a file holding the bearer token every admin request must present; required when
 *                  {@code bind} is not a loopback address
 * @param stateFile where runtime changes made through the admin API (drain, weight) are kept across
 *                  restarts; empty = they last until the process ends
 * @param enabled   whether the configuration has an {@code admin:} section: without one there is no
 *                  admin listener (so two instances, or tests, do not contend for port 9090)
 */
public record AdminConfig(HostPort bind, Optional<Path> tokenFile, Optional<Path> stateFile, boolean enabled) {

    public static final HostPort DEFAULT_BIND = new HostPort("127.0.0.1", 9090);

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public AdminConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(stateFile, "stateFile");
    }

    /** An admin listener that runs, as an {@code admin:} section asks. */
    public AdminConfig(HostPort bind, Optional<Path> tokenFile, Optional<Path> stateFile) {
        this(bind, tokenFile, stateFile, true);
    }

    /** Without a state file: runtime changes last until the process ends. */
    public AdminConfig(HostPort bind, Optional<Path> tokenFile) {
        this(bind, tokenFile, Optional.empty(), true);
    }

    /** No {@code admin:} section: no admin listener, no API, no dashboard, no state file. */
    public static AdminConfig defaults() {
        return new AdminConfig(DEFAULT_BIND, Optional.empty(), Optional.empty(), false);
    }

    /** Whether {@code bind} only accepts local clients: 127.0.0.0/8, {@code ::1} or {@code localhost}. */
    public boolean loopbackOnly() {
        return isLoopback(bind.host());
    }

    /** Whether {@code host} as written is a loopback address: 127.0.0.0/8, {@code ::1} or {@code localhost}. */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1")
                || LOOPBACK_V4.matcher(h).matches();
    }

    /**
     * The bearer token from {@code token_file}, or empty when there is none. Reads a file: call it
     * off the event loops.
     *
     * @throws IOException when the file cannot be read or holds no token
     */
    public Optional<String> readToken() throws IOException {
        return tokenFile.isEmpty() ? Optional.empty() : Optional.of(readToken(tokenFile.get()));
    }

    /**
     * The token in {@code file}: its content without surrounding whitespace (so a trailing newline
     * from {@code echo} does not count).
     *
     * @throws IOException naming the file when it is missing, unreadable, not UTF-8 or empty
     */
    public static String readToken(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("admin.token_file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("admin.token_file " + file + ": cannot read: "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        String token = new String(bytes, StandardCharsets.UTF_8).strip();
        if (token.indexOf('\uFFFD') >= 0) {
            throw new IOException("admin.token_file " + file + ": not UTF-8 text");
        }
        if (token.isEmpty()) {
            throw new IOException("admin.token_file " + file + ": empty (expected: the bearer token)");
        }
        if (token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IOException("admin.token_file " + file
                    + ": the token contains whitespace or control characters (expected: one line, one token)");
        }
        return token;
    }
}
