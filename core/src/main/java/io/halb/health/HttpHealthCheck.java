package io.halb.health;

import io.halb.config.Durations;
import io.halb.config.HealthConfig;
import io.halb.proxy.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Sends one HTTP/1.1 request ({@code method path}, {@code Host}, {@code Connection: close}) and
 * passes when the status is one of the expected ones and, if {@code expect_body} is set, the first
 * {@value HealthConfig#MAX_BODY_BYTES} bytes of the body contain the text. Without
 * {@code expect_body} the check ends at the response head, without reading the body. Immutable.
 */
public final class HttpHealthCheck implements HealthCheck {

    private static final String USER_AGENT = "halb-health-check";
    /** A status line, headers and a chunk size line of a health endpoint are far below these. */
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADER_SIZE = 16 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;

    private final Transport transport;
    private final HealthConfig config;
    private final HttpMethod method;
    /** The UTF-8 bytes looked for in the body, or null when the status alone decides. */
    private final byte[] expectBody;
    private final String bodyLacks;
    /** TLS around the connection, or null. */
    private final TlsLayer tls;

    HttpHealthCheck(Transport transport, HealthConfig config) {
        this(transport, config, null);
    }

    HttpHealthCheck(Transport transport, HealthConfig config, TlsLayer tls) {
        this.tls = tls;
        this.transport = Objects.requireNonNull(transport, "transport");
        this.config = Objects.requireNonNull(config, "config");
        this.method = HttpMethod.valueOf(config.method().name());
        this.expectBody = config.expectBody().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.bodyLacks = config.expectBody().map(s -> "body lacks '" + s + "'").orElse("");
    }

    @Override
    public Future<Result> check(EventLoop loop, HealthTarget target) {
        String host = config.host().orElseGet(target::defaultHostHeader);
        return HealthCheckAttempt.start(loop, transport, target.address(), config.timeout(),
                promise -> initializer(promise, host, target));
    }

    @Override
    public Duration timeout() {
        return config.timeout();
    }

    public HealthConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return (tls == null ? "http" : "https") + " check (" + method + " " + config.path() + config.host().map(h -> " Host " + h).orElse("")
                + ", expect " + config.expectStatusText()
                + config.expectBody().map(b -> " and '" + b + "'").orElse("")
                + ", timeout " + Durations.format(config.timeout()) + ")";
    }

    private ChannelHandler initializer(Promise<Result> promise, String host, HealthTarget target) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch, target))
                            .addLast("tls-outcome", new HandshakeOutcome(promise, false));
                }
                ch.pipeline()
                        .addLast("codec", new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK_SIZE))
                        .addLast("check", new ResponseHandler(promise, host));
            }
        };
    }

    /**
     * Writes the request when connected and judges the response. Confined to the channel's event
     * loop; releases every message it receives.
     */
    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        private final Promise<Result> promise;
        private final String host;
        /** Skipping an interim (1xx) response up to its end. */
        private boolean interim;
        /** Reading the body of an expected status, looking for {@link #expectBody}. */
        private String status;
        /** The body read so far, at most {@link HealthConfig#MAX_BODY_BYTES}; only with {@code expect_body}. */
        private byte[] body;
        private int bodyLength;

        ResponseHandler(Promise<Result> promise, String host) {
            this.promise = promise;
            this.host = host;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, config.path(),
                    Unpooled.EMPTY_BUFFER);
            HttpHeaders h = request.headers();
            h.set(HttpHeaderNames.HOST, host);
            h.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
            h.set(HttpHeaderNames.ACCEPT, "*/*");
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess()) {
                    finish(Result.failed(HealthCheckAttempt.reason(f.cause(), config.timeout())));
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (promise.isDone()) {
                    return;
                }
                if (msg instanceof HttpResponse response) {
                    head(response);
                }
                if (msg instanceof HttpContent content && !promise.isDone()) {
                    content(content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void head(HttpResponse response) {
            if (malformed(response.decoderResult())) {
                return;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                interim = true;
                return;
            }
            if (!config.expectsStatus(code)) {
                finish(Result.failed("status " + code));
            } else if (expectBody == null) {
                finish(Result.passed("status " + code));
            } else {
                status = "status " + code;
                body = new byte[Math.min(HealthConfig.MAX_BODY_BYTES, 4096)];
            }
        }

        private void content(HttpContent content) {
            if (malformed(content.decoderResult())) {
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (interim) {
                interim = !last;
                return;
            }
            if (status == null) {
                return;
            }
            ByteBuf buf = content.content();
            int n = Math.min(buf.readableBytes(), HealthConfig.MAX_BODY_BYTES - bodyLength);
            if (n > 0) {
                int from = Math.max(0, bodyLength - expectBody.length + 1);
                if (bodyLength + n > body.length) {
                    byte[] bigger = new byte[Math.min(HealthConfig.MAX_BODY_BYTES,
                            Math.max(bodyLength + n, body.length * 2))];
                    System.arraycopy(body, 0, bigger, 0, bodyLength);
                    body = bigger;
                }
                buf.getBytes(buf.readerIndex(), body, bodyLength, n);
                bodyLength += n;
                if (indexOf(body, from, bodyLength, expectBody) >= 0) {
                    finish(Result.passed(status));
                    return;
                }
            }
            if (bodyLength == HealthConfig.MAX_BODY_BYTES && (n < buf.readableBytes() || !last)) {
                finish(Result.failed(bodyLacks + " in its first " + HealthConfig.MAX_BODY_BYTES / 1024 + " KiB"));
            } else if (last) {
                finish(Result.failed(bodyLacks));
            }
        }

        private boolean malformed(DecoderResult result) {
            if (result.isFailure()) {
                Throwable cause = result.cause();
                finish(Result.failed("malformed response: " + Optional.ofNullable(cause.getMessage())
                        .orElse(cause.getClass().getSimpleName())));
                return true;
            }
            return false;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(Result.failed(status == null ? "connection closed before the response"
                    : "connection closed before the end of the body"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(Result.failed(HealthCheckAttempt.reason(cause, config.timeout())));
        }

        /** The first result wins; completing the promise closes the connection. */
        private void finish(Result result) {
            promise.trySuccess(result);
        }
    }

    /** Where {@code needle} starts in {@code haystack[from, to)}, or -1. */
    static int indexOf(byte[] haystack, int from, int to, byte[] needle) {
        outer:
        for (int i = from, last = to - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
