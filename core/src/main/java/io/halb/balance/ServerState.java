package io.halb.balance;

/** What a server may be given. Set by health checks, the agent and the admin API. */
public enum ServerState {
    /** Takes new requests and connections. */
    UP,
    /** Failed its checks: takes nothing. */
    DOWN,
    /** Takes only requests pinned to it by persistence; in-flight ones finish. */
    DRAIN,
    /** Taken out by an operator: takes nothing. */
    MAINT
}
