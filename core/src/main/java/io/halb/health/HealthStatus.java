package io.halb.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What active checks know of one server at a moment: its state and the last check. Immutable; a
 * new one is published after every check.
 *
 * @param up                   the state the checks decided; true until {@code fall} checks failed
 * @param since                when the server entered that state (when checking started, at first)
 * @param lastResult           the last completed check; empty before the first one completes
 * @param lastCheckedAt        when the last completed check started
 * @param lastDuration         how long the last completed check took; zero before the first
 * @param consecutiveSuccesses successful checks in a row, up to the last one
 * @param consecutiveFailures  failed checks in a row, up to the last one
 */
public record HealthStatus(String pool, String server, boolean up, Instant since,
                           Optional<HealthCheck.Result> lastResult, Optional<Instant> lastCheckedAt,
                           Duration lastDuration, int consecutiveSuccesses, int consecutiveFailures) {

    /** Before any check: up, as HAProxy assumes a server is when it starts. */
    static HealthStatus initial(HealthTarget target, boolean up, Instant now) {
        return new HealthStatus(target.pool(), target.server(), up, now, Optional.empty(), Optional.empty(),
                Duration.ZERO, 0, 0);
    }
}
