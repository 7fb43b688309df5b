/**
 * Connections to backend servers: opening them on the caller's event loop and keeping idle
 * keep-alive connections in pools, one pool per event loop, so a request never hops threads.
 */
package io.halb.proxy.upstream;
