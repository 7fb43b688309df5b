package io.halb.cluster;

import java.util.List;

/**
 * A piece of state that the nodes of a cluster share: changes are broadcast as they happen, and a
 * node that joins receives the whole of it from the coordinator. Entries are single-line strings
 * whose meaning only the implementation knows; applying one twice must be harmless.
 *
 * <p>Thread-safety: {@link #apply} and {@link #snapshot} are called on the cluster thread.
 */
public interface Replicated {

    /** A short name, the same on every node, e.g. {@code stick}. */
    String kind();

    /** Applies an entry that another node published. */
    void apply(String entry);

    /** Every entry a joining node needs to catch up (bounded by the implementation). */
    List<String> snapshot();
}
