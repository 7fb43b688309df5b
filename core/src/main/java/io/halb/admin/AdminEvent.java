package io.halb.admin;

/**
 * A change worth showing an operator live (server-sent events, dashboard).
 *
 * @param type    e.g. {@code server_state}, {@code server_weight}, {@code reload}, {@code server_added}
 * @param pool    the pool concerned, or empty
 * @param server  the server concerned, or empty
 * @param detail  one line for people, e.g. "down after 3 failed checks: connection refused"
 */
public record AdminEvent(long timeMillis, String type, String pool, String server, String detail) {}
