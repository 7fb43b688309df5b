package io.halb.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Takeover gaps measured by the cluster tests, appended to {@code target/ha-timing.txt} (median and max). */
final class HaTiming {

    private HaTiming() {}

    /** Appends one free-form line. */
    static void note(String line) throws IOException {
        Path file = Path.of("target", "ha-timing.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void record(String what, List<Long> gapsMillis) throws IOException {
        List<Long> sorted = new ArrayList<>(gapsMillis);
        Collections.sort(sorted);
        long median = sorted.get((sorted.size() - 1) / 2);
        long max = sorted.get(sorted.size() - 1);
        String line = String.format(Locale.ROOT, "%s: runs=%d median=%d ms max=%d ms all=%s%n",
                what, sorted.size(), median, max, gapsMillis);
        Path file = Path.of("target", "ha-timing.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
