package io.halb.cluster;

import java.io.IOException;
import java.util.List;

/** {@link HaTiming} for the tests in sub-packages. */
public final class HaTimingAccess {

    private HaTimingAccess() {}

    public static void note(String line) throws IOException {
        HaTiming.note(line);
    }

    public static void record(String what, List<Long> gapsMillis) throws IOException {
        HaTiming.record(what, gapsMillis);
    }
}
