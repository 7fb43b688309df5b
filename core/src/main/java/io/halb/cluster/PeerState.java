package io.halb.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a node tells the others after every change: whether it may hold VIPs, whether it is leaving,
 * and the VIPs it holds now. Sent to all members on each view change and each change of these.
 * Wire form: {@code S|eligible|leaving|vip,vip}.
 */
record PeerState(boolean eligible, boolean leaving, Set<String> held) {

    static final char TYPE = 'S';

    PeerState {
        held = Set.copyOf(held);
    }

    byte[] encode() {
        return (TYPE + "|" + (eligible ? 1 : 0) + "|" + (leaving ? 1 : 0) + "|" + String.join(",", held))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The state in {@code text} (its type letter already checked). */
    static PeerState decode(String text) {
        String[] parts = text.split("\\|", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("state message: " + text);
        }
        Set<String> held = parts[3].isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(parts[3].split(",")));
        return new PeerState(parts[1].equals("1"), parts[2].equals("1"), held);
    }
}
