package io.halb.persist;

import io.halb.config.PersistenceConfig;

/**
 * The cookie halb inserts to pin a client to a server: {@code NAME=<server id>} with the configured
 * lifetime, HttpOnly and SameSite=Lax always, Secure on TLS listeners.
 */
public final class PersistenceCookie {

    private final String name;
    private final long maxAgeSeconds;

    public PersistenceCookie(PersistenceConfig config) {
        this.name = config.cookie();
        this.maxAgeSeconds = Math.max(1, config.ttl().toSeconds());
    }

    public String name() {
        return name;
    }

    /** The server id a request's cookie value names, or {@code null} when it is absent or malformed. */
    public String serverId(String cookieValue) {
        return ServerIds.looksLikeId(cookieValue) ? cookieValue : null;
    }

    /** The Set-Cookie header value pinning the client to {@code serverId}. */
    public String setCookie(String serverId, boolean secure) {
        StringBuilder sb = new StringBuilder(64)
                .append(name).append('=').append(serverId)
                .append("; Max-Age=").append(maxAgeSeconds)
                .append("; Path=/; HttpOnly; SameSite=Lax");
        if (secure) {
            sb.append("; Secure");
        }
        return sb.toString();
    }
}
