package io.halb.proxy;

import java.net.InetSocketAddress;

/**
 * What happened to one HTTP request, as access logs and metrics see it.
 *
 * @param startMillis     wall-clock time the request head arrived (epoch milliseconds)
 * @param pool            the pool it was routed to, or {@code null} (malformed request)
 * @param server          the server that answered or last failed, or {@code null} (none tried)
 * @param status          the status sent to the client; 0 when none was (the client left, or the
 *                        connection was cut mid-response)
 * @param bytesIn         request body bytes received from the client
 * @param bytesOut        response body bytes sent to the client
 * @param responseNanos   request head to response head; -1 without a response
 * @param totalNanos      request head to the end of the exchange
 * @param retries         tries on other servers or connections after the first
 * @param termination     how it ended: {@link Termination}
 */
public record RequestRecord(
        String listener,
        InetSocketAddress client,
        String method,
        String uri,
        String host,
        String protocol,
        String userAgent,
        String referer,
        String pool,
        String server,
        int status,
        long bytesIn,
        long bytesOut,
        long startMillis,
        long responseNanos,
        long totalNanos,
        int retries,
        Termination termination) {

    /** How an exchange ended, for logs ("termination reason") and metrics. */
    public enum Termination {
        /** The server's response was relayed whole. */
        OK,
        /** halb answered itself: malformed request (400). */
        BAD_REQUEST,
        /** halb answered itself: no server available (503). */
        NO_SERVER,
        /** halb answered itself: the queue was full or waited too long (503). */
        QUEUE,
        /** halb answered itself: the server failed (502). */
        SERVER_ERROR,
        /** halb answered itself: the server timed out (504). */
        SERVER_TIMEOUT,
        /** halb answered itself: a limit refused the request (429). */
        LIMITED,
        /** halb answered itself: the client sent its request body too slowly (408). */
        CLIENT_TIMEOUT,
        /** The client went away before the end. */
        CLIENT_ABORT,
        /** The response started and was then cut: the server failed or timed out mid-response. */
        SERVER_ABORT,
        /** The request switched protocols (WebSocket) and became a tunnel. */
        UPGRADED
    }
}
