package io.halb.config;

import java.util.Locale;

/** The balancing algorithms of a pool, named as in the configuration ({@code algorithm:}). */
public enum Algorithm {
    ROUND_ROBIN,
    WEIGHTED_ROUND_ROBIN,
    LEAST_CONNECTIONS,
    WEIGHTED_LEAST_CONNECTIONS,
    LEAST_RESPONSE_TIME,
    RANDOM,
    POWER_OF_TWO,
    SOURCE_IP_HASH,
    URI_HASH,
    HASH,
    RESOURCE_BASED;

    /** The name used in YAML, e.g. {@code least_connections}. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the algorithm picks through a consistent hash of a request key. */
    public boolean isHash() {
        return this == SOURCE_IP_HASH || this == URI_HASH || this == HASH;
    }
}
