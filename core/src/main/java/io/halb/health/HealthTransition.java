package io.halb.health;

/**
 * A server's change of state decided by active checks: down after {@code fall} failed checks in a
 * row, up again after {@code rise} successful ones.
 *
 * @param pool        the server's pool
 * @param server      the server's name
 * @param up          the new state
 * @param reason      what the last check found: {@code "connection refused"}, {@code "status 503"},
 *                    {@code "status 200"}...
 * @param consecutive how many checks in a row had that outcome (the pool's fall or rise)
 */
public record HealthTransition(String pool, String server, boolean up, String reason, int consecutive) {

    @Override
    public String toString() {
        return "server " + pool + "/" + server + " is " + (up ? "UP" : "DOWN") + " after " + consecutive
                + (up ? " successful" : " failed") + (consecutive == 1 ? " check: " : " checks: ") + reason;
    }
}
