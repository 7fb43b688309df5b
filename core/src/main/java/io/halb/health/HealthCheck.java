package io.halb.health;

import io.halb.config.HealthConfig;
import io.halb.proxy.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.Objects;

/**
 * One kind of active health check: given a server, find out once whether it serves.
 *
 * <p>Thread-safety: implementations are immutable and may be shared by any number of event loops.
 * {@link #check} may be called from any thread; the check runs on the given loop and never blocks
 * it.
 */
public interface HealthCheck {

    /**
     * Starts one check of {@code target} on {@code loop}, which must belong to a group of the
     * transport this check was made with. The future completes on {@code loop}, within
     * {@link #timeout()} (and a scheduler tick), always successfully: a failed check is a
     * {@link Result} that did not pass. Cancelling the future abandons the check and closes its
     * connection.
     */
    Future<Result> check(EventLoop loop, HealthTarget target);

    /** The longest a check takes before it fails with {@code "timeout after ..."}. */
    Duration timeout();

    /** The check {@code config} describes: tcp or http. */
    static HealthCheck of(HealthConfig config, Transport transport) {
        return of(config, transport, null);
    }

    /** The check {@code config} describes, over TLS when {@code tls} is not null (a tcp check then passes on a handshake). */
    static HealthCheck of(HealthConfig config, Transport transport, TlsLayer tls) {
        Objects.requireNonNull(config, "config");
        return switch (config.type()) {
            case TCP -> new TcpHealthCheck(transport, config.timeout(), tls);
            case HTTP -> new HttpHealthCheck(transport, config, tls);
            case NONE -> throw new IllegalArgumentException("type: none (expected: tcp or http)");
        };
    }

    /** Passes when a connection opens within {@code timeout}. */
    static HealthCheck tcp(Transport transport, Duration timeout) {
        return new TcpHealthCheck(transport, timeout);
    }

    /**
     * Sends {@code config}'s request over HTTP/1.1 with {@code Connection: close}; passes when the
     * status is expected and the body (if {@code expect_body} is set) contains the text, all within
     * the timeout.
     */
    static HealthCheck http(Transport transport, HealthConfig config) {
        return new HttpHealthCheck(transport, config);
    }

    /**
     * The outcome of one check.
     *
     * @param passed whether the server counts as healthy by this check
     * @param reason what was found, in a few words: {@code "connected"}, {@code "status 200"},
     *               {@code "connection refused"}, {@code "timeout after 1s"}, {@code "status 503"},
     *               {@code "body lacks 'ok'"}
     */
    record Result(boolean passed, String reason) {

        public Result {
            Objects.requireNonNull(reason, "reason");
        }

        public static Result passed(String reason) {
            return new Result(true, reason);
        }

        public static Result failed(String reason) {
            return new Result(false, reason);
        }

        @Override
        public String toString() {
            return (passed ? "passed: " : "failed: ") + reason;
        }
    }
}
