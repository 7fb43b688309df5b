package io.halb.config;

/**
 * What happens to a connection or request over a limit: {@code reject}, {@code tarpit},
 * {@code drop} or {@code {divert: POOL}}.
 */
public sealed interface LimitAction {

    /** HTTP: 429 with a one-line reason, then close; TCP: close. */
    record Reject() implements LimitAction {
        @Override
        public String toString() {
            return "reject";
        }
    }

    /** HTTP: hold the request for the tarpit time, then 429; TCP: hold the connection, then close. */
    record Tarpit() implements LimitAction {
        @Override
        public String toString() {
            return "tarpit";
        }
    }

    /** Close at once with a reset: the cheapest answer to a flood. */
    record Drop() implements LimitAction {
        @Override
        public String toString() {
            return "drop";
        }
    }

    /** Send the traffic to another pool (a scrubbing service, a static "busy" server). */
    record Divert(String pool) implements LimitAction {
        public Divert {
            Names.check("pool", pool);
        }

        @Override
        public String toString() {
            return "divert: " + pool;
        }
    }
}
