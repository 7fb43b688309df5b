package io.halb.admin;

/**
 * @param role     {@code standalone} until clustering lands; then {@code active}, {@code standby}
 * @param transport {@code epoll} or {@code nio}
 */
public record StatusView(String version, long startedMillis, long uptimeMillis, String node, String role,
                         String configFile, long configLoadedMillis, String transport, int eventLoops,
                         int openConnections, long requestsTotal) {}
