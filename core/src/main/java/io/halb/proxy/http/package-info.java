/**
 * The L7 proxy: HTTP/1.1 from clients, parsed head by head, routed, balanced and streamed to a
 * pooled HTTP/1.1 server connection on the same event loop, with bodies flowing under backpressure.
 * HTTP/2 from clients is served by the same proxy, one stream at a time: each stream is a child
 * channel whose frames are presented as HTTP/1.1 objects ({@code Http2*} classes).
 */
package io.halb.proxy.http;
