package io.halb.admin;

/**
 * A server now.
 *
 * @param state        what balancers act on: up, down, drain, maint
 * @param adminState   what an operator or agent set: ready, drain, maint, down
 * @param healthy      the active checks' verdict (true without checks)
 * @param lastCheck    the last check's result, e.g. "connection refused"; empty without checks
 * @param weight       the effective weight (after slow start)
 * @param baseWeight   the weight set by configuration, operator or agent
 * @param responseMillis decaying average time to the response head
 */
public record ServerView(String name, String address, boolean backup, String state, String adminState,
                         boolean healthy, boolean ejected, String lastCheck, int weight, int baseWeight,
                         int rampPercent, int maxConnections, int inFlight, long requests, long failures,
                         double responseMillis, long stateChanges) {}
