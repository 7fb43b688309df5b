package io.halb.health;

import io.halb.config.ServerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One answer of a resource agent, parsed, or the failure to get one.
 *
 * <p>The protocol is HAProxy's agent-check: the agent writes one line, ended by the first CR or LF,
 * of words separated by spaces, tabs or commas, in any order, the last of a kind winning:
 * <ul>
 *   <li>{@code 75%}: the weight, relative to the configured weight (0 takes the server out of
 *       the rotation; above 100 raises it, up to 256);</li>
 *   <li>a health word, {@code up}, {@code down}, {@code fail}, {@code stopped};</li>
 *   <li>an admin word, {@code ready}, {@code drain}, {@code maint};</li>
 *   <li>{@code maxconn:N}, accepted and reported, not used by halb;</li>
 *   <li>{@code #} and the rest of the line: a description.</li>
 * </ul>
 * Words are case-insensitive. Anything else is an error that is reported and otherwise ignored;
 * the valid words of the same line still count, as in HAProxy. Two leniencies over HAProxy: a
 * {@code #} ends a word ({@code down#disk full} is {@code down} with a description), and a line the
 * agent ends by closing the connection without a line feed is taken as is.
 *
 * <p>A failure to reach the agent ({@link #unreachable()}) carries no weight and no state: as in
 * HAProxy it must not change the server, whose reachability is the health checks' business.
 *
 * @param line           the line received, without its end; empty when unreachable
 * @param weightPercent  the weight announced, 0..25600 (HAProxy's cap)
 * @param state          the state announced; when a line has a health word and an admin word, the one
 *                       that keeps traffic away most (maint, then down, then drain, then up/ready)
 * @param maxConnections {@code maxconn:N} as announced
 * @param description    the text after {@code #}, trimmed; empty when none
 * @param errors         words that were not understood, each with the reason
 * @param failure        why the agent could not be read (refused, timed out, reset); empty when read
 */
public record AgentReport(
        AgentTarget target,
        String line,
        OptionalInt weightPercent,
        Optional<AgentState> state,
        OptionalInt maxConnections,
        String description,
        List<String> errors,
        Optional<String> failure) {

    /** The longest line read from an agent; HAProxy's default buffer is larger, no agent needs it. */
    public static final int MAX_LINE_LENGTH = 1024;

    /** HAProxy caps relative weights at 25600% before scaling. */
    public static final int MAX_WEIGHT_PERCENT = 25600;

    public AgentReport {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(line, "line");
        Objects.requireNonNull(weightPercent, "weightPercent");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(maxConnections, "maxConnections");
        Objects.requireNonNull(description, "description");
        errors = List.copyOf(errors);
        Objects.requireNonNull(failure, "failure");
    }

    /** A report that the agent could not be read; it changes nothing. */
    public static AgentReport unreachable(AgentTarget target, String reason) {
        return new AgentReport(target, "", OptionalInt.empty(), Optional.empty(), OptionalInt.empty(), "",
                List.of(), Optional.of(reason));
    }

    /**
     * Parses a reply. Reads up to the first CR, LF or NUL; never throws on what an agent sends.
     */
    public static AgentReport parse(AgentTarget target, CharSequence reply) {
        String line = firstLine(reply);
        OptionalInt weight = OptionalInt.empty();
        OptionalInt maxconn = OptionalInt.empty();
        AgentState health = null;
        AgentState admin = null;
        String description = "";
        List<String> errors = new ArrayList<>(0);
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            if (c == '#') {
                description = line.substring(i + 1).strip();
                break;
            }
            int end = i + 1;
            while (end < n && !isDelimiter(line.charAt(end)) && line.charAt(end) != '#') {
                end++;
            }
            String word = line.substring(i, end);
            i = end;
            Optional<AgentState> s = AgentState.ofWord(word);
            if (s.isPresent()) {
                if (s.get().kind() == AgentState.Kind.HEALTH) {
                    health = s.get();
                } else {
                    admin = s.get();
                }
            } else if (Character.isDigit(word.charAt(0)) && word.indexOf('%') >= 0) {
                int pct = percent(word);
                if (pct < 0) {
                    errors.add(quote(word) + ": bad weight (expected: a whole percentage such as 75%)");
                } else {
                    weight = OptionalInt.of(pct);
                }
            } else if (word.regionMatches(true, 0, "maxconn:", 0, 8)) {
                int max = number(word, 8, word.length());
                if (max < 0) {
                    errors.add(quote(word) + ": bad maxconn (expected: maxconn:N)");
                } else {
                    maxconn = OptionalInt.of(max);
                }
            } else {
                errors.add(quote(word) + ": unknown word");
            }
        }
        if (line.isBlank()) {
            errors.add("empty reply");
        }
        return new AgentReport(target, line, weight, Optional.ofNullable(fold(health, admin)), maxconn, description, errors,
                Optional.empty());
    }

    /** Whether the agent was read. */
    public boolean reachable() {
        return failure.isEmpty();
    }

    /** Whether the agent could not be read; such a report changes nothing. */
    public boolean unreachable() {
        return failure.isPresent();
    }

    /** Whether the report asks for a change: it carries a weight or a state. */
    public boolean hasEffect() {
        return weightPercent.isPresent() || state.isPresent();
    }

    /**
     * The weight a server configured with {@code configuredWeight} gets from this report, if it
     * carries a percentage: {@code configuredWeight * percent / 100}, at least 1 unless the
     * percentage is 0 (which takes the server out of the rotation, as in HAProxy), at most 256.
     * Rounding down to a minimum of 1 means a small configured weight has coarse steps: give servers
     * of agent-weighted pools weights like 100, not 1.
     */
    public OptionalInt effectiveWeight(int configuredWeight) {
        if (weightPercent.isEmpty()) {
            return OptionalInt.empty();
        }
        int pct = weightPercent.getAsInt();
        if (pct == 0) {
            return OptionalInt.of(0);
        }
        long w = (long) configuredWeight * pct / 100;
        return OptionalInt.of((int) Math.max(1, Math.min(ServerConfig.MAX_WEIGHT, w)));
    }

    /** A short summary for logs: {@code up 75%}, {@code unreachable (connection refused)}. */
    public String summary() {
        if (failure.isPresent()) {
            return "unreachable (" + failure.get() + ")";
        }
        StringBuilder sb = new StringBuilder();
        state.ifPresent(s -> sb.append(s.word()));
        weightPercent.ifPresent(w -> sb.append(sb.isEmpty() ? "" : " ").append(w).append('%'));
        if (sb.isEmpty()) {
            sb.append("no state, no weight");
        }
        if (!description.isEmpty()) {
            sb.append(" (").append(description).append(')');
        }
        return sb.toString();
    }

    /** The word in quotes, cut to 40 characters: errors are logged, and an agent may send anything. */
    private static String quote(String word) {
        return "'" + (word.length() <= 40 ? word : word.substring(0, 40) + "...") + "'";
    }

    private static boolean isDelimiter(char c) {
        return c == ' ' || c == '\t' || c == ',';
    }

    private static String firstLine(CharSequence reply) {
        int n = Math.min(reply.length(), MAX_LINE_LENGTH);
        for (int i = 0; i < n; i++) {
            char c = reply.charAt(i);
            if (c == '\n' || c == '\r' || c == '\0') {
                n = i;
                break;
            }
        }
        return reply.subSequence(0, n).toString();
    }

    private static AgentState fold(AgentState health, AgentState admin) {
        if (health == null) {
            return admin;
        }
        if (admin == null) {
            return health;
        }
        return admin.severity() > health.severity() ? admin : health;
    }

    /** {@code N%} as HAProxy reads it: digits then exactly one {@code %}; -1 when malformed. */
    private static int percent(String word) {
        int pct = word.length() - 1;
        if (word.charAt(pct) != '%') {
            return -1;
        }
        int v = number(word, 0, pct);
        return v < 0 ? -1 : Math.min(v, MAX_WEIGHT_PERCENT);
    }

    /** The decimal number in {@code s[from, to)}, saturating at {@code Integer.MAX_VALUE}; -1 when not one. */
    private static int number(String s, int from, int to) {
        if (from >= to) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = Math.min(Integer.MAX_VALUE, v * 10 + (c - '0'));
        }
        return (int) v;
    }
}
