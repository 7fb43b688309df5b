package io.halb.admin;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Who may use the admin listener.
 *
 * <ul>
 *   <li>With a token, every request but the dashboard's static files must carry
 *       {@code Authorization: Bearer <token>}; the comparison takes the same time whatever the
 *       presented value (both sides are hashed first, so not even the length leaks).</li>
 *   <li>A browser request from another site ({@code Origin} naming another host than {@code Host})
 *       is refused: otherwise any web page could {@code POST /api/v1/reload} to a local halb.</li>
 *   <li>Without a token (a loopback bind), {@code Host} must be {@code localhost} or an IP address:
 *       a DNS-rebinding page would send its own name, so it cannot reach the open API either.</li>
 * </ul>
 *
 * <p>Thread-safe: the token is immutable; the limiter of refusal log lines uses atomics.
 */
final class AdminServerAccess {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final byte[] tokenDigest;
    private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong unlogged = new AtomicLong();

    /** @param token the bearer token, or empty when the API is open (a loopback bind) */
    AdminServerAccess(Optional<String> token) {
        this.tokenDigest = token.map(AdminServerAccess::sha256).orElse(null);
    }

    boolean tokenRequired() {
        return tokenDigest != null;
    }

    /** Why a request with these headers may not proceed, or {@code null} when it may. */
    Denial check(HttpHeaders headers, boolean staticFile) {
        String host = headers.get(HttpHeaderNames.HOST);
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !sameAuthority(origin, host)) {
            return new Denial(403, "Origin '" + origin + "' is not this admin listener ('" + host
                    + "'): cross-site requests are refused");
        }
        if (tokenDigest == null) {
            if (host != null && !localName(host)) {
                return new Denial(403, "Host '" + host + "': without admin.token_file the admin listener answers only"
                        + " requests to localhost or an IP address (set a token to use a host name)");
            }
            return null;
        }
        if (staticFile) {
            return null;
        }
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null) {
            return new Denial(401, "missing bearer token (expected: Authorization: Bearer <token>)");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || !MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).strip()))) {
            return new Denial(401, "invalid bearer token");
        }
        return null;
    }

    /** Logs a refusal, at most one line a second, counting the ones it leaves out. */
    void logDenial(Logger log, String method, String path, Object remote, Denial denial) {
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
            long more = unlogged.getAndSet(0);
            log.warn("admin: refused {} {} from {}: {} {}{}", method, path, remote, denial.status(), denial.message(),
                    more == 0 ? "" : " (" + more + " more refused since the previous line)");
        } else {
            unlogged.incrementAndGet();
        }
    }

    /** A refused request: 401 (asks for the token) or 403. */
    record Denial(int status, String message) {}

    private static boolean sameAuthority(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            String authority = new URI(origin).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Whether the host part of a {@code Host} header is {@code localhost} or an IP literal. */
    private static boolean localName(String hostHeader) {
        String h = hostHeader.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return h.indexOf(']') > 0;
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        return name.equals("localhost") || IPV4.matcher(name).matches();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
