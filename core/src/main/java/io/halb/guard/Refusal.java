package io.halb.guard;

import io.halb.config.LimitAction;

import java.util.Locale;

/**
 * A limit said no: which one, and what to do about it.
 *
 * @param reason why
 * @param action what happens to the connection or request
 */
public record Refusal(Reason reason, LimitAction action) {

    /** The limits that refuse, as the metrics label them ({@link #label()}). */
    public enum Reason {
        /** The client's address is on the deny list. */
        DENY("address on the deny list"),
        /** The listener is at max_connections. */
        MAX_CONNECTIONS("listener at max_connections"),
        /** The listener is over its overload threshold. */
        OVERLOAD("listener overloaded"),
        /** The client has per_client.max_connections open already. */
        CLIENT_CONNECTIONS("too many connections from this address"),
        /** The client opens connections faster than per_client.connection_rate. */
        CONNECTION_RATE("connection rate of this address over its limit"),
        /** The client sends requests faster than per_client.request_rate. */
        REQUEST_RATE("request rate of this address over its limit"),
        /** A request body arrived slower than min_body_rate. */
        BODY_RATE("request body slower than min_body_rate"),
        /** A client took nothing of a response for client_idle (slow read). */
        SLOW_READ("response not read for client_idle");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        /** The metrics label: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** One line for the client and the log. */
        public String text() {
            return text;
        }
    }

    /** Whether the traffic is sent on to another pool rather than refused. */
    public boolean diverts() {
        return action instanceof LimitAction.Divert;
    }

    /** The pool the traffic goes to, or {@code null} unless {@link #diverts()}. */
    public String divertPool() {
        return action instanceof LimitAction.Divert d ? d.pool() : null;
    }
}
