/**
 * The L7 proxy: HTTP/1.1 from clients, parsed head by head, routed, balanced and streamed to a
 * pooled HTTP/1.1 server connection on the same event loop, with bodies flowing under backpressure.
 */
package io.halb.proxy.http;
