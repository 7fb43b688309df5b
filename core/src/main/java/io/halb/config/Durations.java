package io.halb.config;

import java.time.Duration;

/**
 * The configuration's duration syntax: one or more pairs of a whole number and a unit, e.g.
 * {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 1d}, {@code 1m30s}.
 * A bare number is refused, because "30" could be seconds or milliseconds and guessing wrong is a
 * silent outage. Stateless.
 */
public final class Durations {

    private static final String EXPECTED = "(expected: a number and a unit ms, s, m, h or d, e.g. 500ms, 2s, 1m30s)";

    private Durations() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException e.g. {@code "'30' (expected: a number and a unit ...)"}
     */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' " + EXPECTED);
        }
        Duration total = Duration.ZERO;
        int i = 0;
        try {
            while (i < s.length()) {
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                if (i == start || i - start > 12) {
                    throw new IllegalArgumentException("'" + text + "' " + EXPECTED);
                }
                long amount = Long.parseLong(s.substring(start, i));
                int unitStart = i;
                while (i < s.length() && Character.isLetter(s.charAt(i))) {
                    i++;
                }
                total = total.plus(of(amount, s.substring(unitStart, i), text));
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too long " + EXPECTED);
        }
        return total;
    }

    private static Duration of(long amount, String unit, String text) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalArgumentException("'" + text + "'"
                    + (unit.isEmpty() ? ": missing unit " : ": unknown unit '" + unit + "' ") + EXPECTED);
        };
    }

    /** Writes {@code d} in the same syntax, e.g. {@code 1m30s}, so messages quote what the operator would write. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (d.isNegative()) {
            sb.append('-');
            d = d.negated();
        }
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        long seconds = d.toSecondsPart();
        long millis = d.toMillisPart();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (minutes > 0) {
            sb.append(minutes).append('m');
        }
        if (seconds > 0) {
            sb.append(seconds).append('s');
        }
        if (millis > 0 || sb.length() == 0 || sb.toString().equals("-")) {
            sb.append(millis).append("ms");
        }
        return sb.toString();
    }
}
