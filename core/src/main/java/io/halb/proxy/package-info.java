/**
 * The data path: Netty pipelines that accept clients, choose a pool and a server, and move bytes.
 * {@code proxy.http} is the L7 proxy, {@code proxy.tcp} the L4 relay, {@code proxy.upstream} the
 * per-event-loop pools of server connections. Everything here runs on event loops and never blocks.
 */
package io.halb.proxy;
