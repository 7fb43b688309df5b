package io.halb.agent;

import java.util.Locale;
import java.util.Optional;

/** The state word the agent announces, as an operator sets it in the state file. */
public enum AdminWord {
    /** In service: the default. */
    UP,
    /** In service, and cancels a drain or maint announced before (HAProxy leaves those only on "ready"). */
    READY,
    /** Only requests pinned by persistence. */
    DRAIN,
    /** No traffic. */
    MAINT,
    /** No traffic: the service is down. */
    DOWN;

    /** The word as written in a reply. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The word for {@code text}, case-insensitive, or empty if it is none of these. */
    public static Optional<AdminWord> of(String text) {
        for (AdminWord w : values()) {
            if (w.name().equalsIgnoreCase(text.strip())) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }
}
