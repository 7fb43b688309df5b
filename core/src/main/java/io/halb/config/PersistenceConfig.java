package io.halb.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Session persistence: which server a returning client goes back to.
 *
 * @param cookie the inserted cookie's name (type cookie)
 * @param ttl    how long a pin lasts (cookie max-age; idle time of a source-ip entry)
 */
public record PersistenceConfig(Type type, String cookie, Duration ttl) {

    public enum Type { NONE, COOKIE, SOURCE_IP }

    public static final PersistenceConfig NONE = new PersistenceConfig(Type.NONE, "HALB_SRV", Duration.ofHours(1));

    public PersistenceConfig {
        Objects.requireNonNull(type, "type");
        Names.check("cookie", cookie);
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
    }
}
