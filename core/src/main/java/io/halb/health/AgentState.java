package io.halb.health;

import java.util.Locale;
import java.util.Optional;

/**
 * A state word of HAProxy's agent-check protocol. {@link Kind#HEALTH} words say whether the service
 * works; {@link Kind#ADMIN} words are an operator's decision taken on the machine.
 */
public enum AgentState {
    /** The service works (health). */
    UP(Kind.HEALTH),
    /** Cancels a previous {@link #DRAIN} or {@link #MAINT} (admin). */
    READY(Kind.ADMIN),
    /** Only requests pinned by persistence (admin). */
    DRAIN(Kind.ADMIN),
    /** No traffic at all (admin). */
    MAINT(Kind.ADMIN),
    /** The service does not work (health). */
    DOWN(Kind.HEALTH),
    /** The service runs but fails its own validity tests (health); means {@link #DOWN}. */
    FAIL(Kind.HEALTH),
    /** The service was stopped on purpose (health); means {@link #DOWN}. */
    STOPPED(Kind.HEALTH);

    /** Which of HAProxy's two statuses a word sets. */
    public enum Kind { HEALTH, ADMIN }

    private final Kind kind;

    AgentState(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The word as the protocol writes it, lower case. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the word takes the server out of service: down, fail, stopped. */
    public boolean isDown() {
        return this == DOWN || this == FAIL || this == STOPPED;
    }

    /** The state for {@code word}, case-insensitive, or empty when it is not a state word. */
    public static Optional<AgentState> ofWord(String word) {
        for (AgentState s : values()) {
            if (s.name().equalsIgnoreCase(word)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * How strongly the state keeps traffic away, to fold a health word and an admin word of one
     * reply into one state: maint, then down, then drain, then up.
     */
    int severity() {
        return switch (this) {
            case READY -> 0;
            case UP -> 1;
            case DRAIN -> 2;
            case DOWN, FAIL, STOPPED -> 3;
            case MAINT -> 4;
        };
    }
}
