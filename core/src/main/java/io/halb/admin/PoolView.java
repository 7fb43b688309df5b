package io.halb.admin;

import java.util.List;

/** A pool and its servers, as the balancers see them now. */
public record PoolView(String name, String algorithm, String persistence, String health, int retries,
                       int queued, List<ServerView> servers) {}
