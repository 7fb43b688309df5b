package io.halb.config;

/**
 * A number of bytes as written in the configuration: {@code 512B}, {@code 64KiB}, {@code 1MiB},
 * {@code 1GiB} (powers of 1024) or {@code 1KB}, {@code 1MB}, {@code 1GB} (powers of 1000, as the SI
 * and IEC define them). A bare number is refused like a bare duration: the unit is the difference
 * between a buffer and a thousand of them. Immutable.
 */
public record DataSize(long bytes) {

    private static final String EXPECTED = "(expected: a number and a unit B, KB, MB, GB, KiB, MiB or GiB, e.g. 64KiB)";

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("size: " + bytes + " (expected: >= 0)");
        }
    }

    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    public static DataSize ofKibibytes(long kib) {
        return new DataSize(Math.multiplyExact(kib, 1024L));
    }

    public static DataSize ofMebibytes(long mib) {
        return new DataSize(Math.multiplyExact(mib, 1024L * 1024));
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException e.g. {@code "'64' (expected: a number and a unit ...)"}
     */
    public static DataSize parse(String text) {
        String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 18) {
            throw new IllegalArgumentException("'" + text + "' " + EXPECTED);
        }
        long amount = Long.parseLong(s.substring(0, i));
        String unit = s.substring(i).trim();
        long factor = switch (unit) {
            case "B" -> 1L;
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "KiB" -> 1024L;
            case "MiB" -> 1024L * 1024;
            case "GiB" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("'" + text + "'"
                    + (unit.isEmpty() ? ": missing unit " : ": unknown unit '" + unit + "' ") + EXPECTED);
        };
        try {
            return new DataSize(Math.multiplyExact(amount, factor));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large " + EXPECTED);
        }
    }

    /** The size in bytes as an int, for buffer sizes. */
    public int toIntBytes() {
        return Math.toIntExact(bytes);
    }

    /** The largest exact binary unit, e.g. {@code 64KiB}, else bytes. */
    @Override
    public String toString() {
        if (bytes != 0 && bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GiB";
        }
        if (bytes != 0 && bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MiB";
        }
        if (bytes != 0 && bytes % 1024L == 0) {
            return bytes / 1024L + "KiB";
        }
        return bytes + "B";
    }
}
