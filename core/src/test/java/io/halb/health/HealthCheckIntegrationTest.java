package io.halb.health;

import io.halb.config.HealthConfig;
import io.halb.config.HealthConfig.Method;
import io.halb.config.HealthConfig.StatusRange;
import io.halb.proxy.Transport;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Single tcp and http checks against real servers on loopback, each misbehaving in one way. */
class HealthCheckIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private final Transport transport = Transport.best();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private EventLoopGroup group;

    @BeforeEach
    void startLoops() {
        group = transport.newGroup(2, "health-check-test");
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    static HealthConfig http(Method method, String path, Optional<String> host, List<StatusRange> statuses,
                             Optional<String> body, Duration timeout) {
        return new HealthConfig(HealthConfig.Type.HTTP, method, path, host, statuses, body,
                Duration.ofMillis(100), timeout, 2, 3);
    }

    static HealthConfig http(String path, Optional<String> body) {
        return http(Method.GET, path, Optional.empty(), HealthConfig.DEFAULT_EXPECT_STATUSES, body, TIMEOUT);
    }

    private HealthCheck.Result run(HealthCheck check, InetSocketAddress address) throws Exception {
        Future<HealthCheck.Result> f = check.check(group.next(), new HealthTarget("web", "web1", address));
        assertThat(f.await(5, TimeUnit.SECONDS)).as("check completed").isTrue();
        assertThat(f.isSuccess()).as("a check's future never fails").isTrue();
        return f.getNow();
    }

    private HealthCheck.Result runHttp(HealthConfig config, InetSocketAddress address) throws Exception {
        return run(HealthCheck.of(config, transport), address);
    }

    static InetSocketAddress unusedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return (InetSocketAddress) s.getLocalSocketAddress();
        }
    }

    // ---- tcp

    @Test
    void tcpPassesWhenAConnectionOpens() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthCheck.Result r = run(HealthCheck.tcp(transport, TIMEOUT), server.address());
        assertThat(r).isEqualTo(HealthCheck.Result.passed("connected"));
        await().until(() -> server.accepted() == 1 && server.open() == 0);
    }

    @Test
    void tcpFailsWithConnectionRefusedWhenNothingListens() throws Exception {
        HealthCheck.Result r = run(HealthCheck.tcp(transport, TIMEOUT), unusedPort());
        assertThat(r).isEqualTo(HealthCheck.Result.failed("connection refused"));
    }

    // ---- http: the request

    @Test
    void httpSendsGetWithTheServersAddressAsHostAndConnectionClose() throws Exception {
        TestBackend backend = closeLater(TestBackend.start("web1"));
        HealthCheck.Result r = runHttp(http("/healthz?deep=1", Optional.empty()), backend.address());

        assertThat(r).isEqualTo(HealthCheck.Result.passed("status 200"));
        RecordedRequest req = backend.lastRequest();
        assertThat(req.method()).isEqualTo("GET");
        assertThat(req.uri()).isEqualTo("/healthz?deep=1");
        assertThat(req.protocol()).isEqualTo("HTTP/1.1");
        assertThat(req.header("Host")).contains("127.0.0.1:" + backend.port());
        assertThat(req.header("Connection")).contains("close");
        assertThat(req.header("User-Agent")).contains("halb-health-check");
        await().until(() -> backend.openConnections() == 0);
    }

    @Test
    void httpSendsTheConfiguredMethodAndHost() throws Exception {
        TestBackend backend = closeLater(TestBackend.start("web1"));
        HealthConfig head = http(Method.HEAD, "/ping", Optional.of("status.example.com"),
                HealthConfig.DEFAULT_EXPECT_STATUSES, Optional.empty(), TIMEOUT);

        assertThat(runHttp(head, backend.address())).isEqualTo(HealthCheck.Result.passed("status 200"));
        assertThat(backend.lastRequest().method()).isEqualTo("HEAD");
        assertThat(backend.lastRequest().header("Host")).contains("status.example.com");
    }

    @Test
    void theDefaultHostIsTheNameTheAddressWasMadeWithAndOmitsPort80() throws Exception {
        assertThat(new HealthTarget("p", "s", new InetSocketAddress("localhost", 8080)).defaultHostHeader())
                .isEqualTo("localhost:8080");
        assertThat(new HealthTarget("p", "s", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80))
                .defaultHostHeader()).isEqualTo("127.0.0.1");
        assertThat(new HealthTarget("p", "s", new InetSocketAddress("::1", 8080)).defaultHostHeader())
                .isEqualTo("[0:0:0:0:0:0:0:1]:8080");
        assertThatThrownBy(() -> new HealthTarget("p", "s", InetSocketAddress.createUnresolved("x.invalid", 80)))
                .hasMessageContaining("expected: a resolved address");
    }

    // ---- http: the status

    @Test
    void httpFailsOnAnUnexpectedStatusAndNamesIt() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        server.answer(503, "busy");
        assertThat(runHttp(http("/", Optional.empty()), server.address()))
                .isEqualTo(HealthCheck.Result.failed("status 503"));
        await().until(() -> server.open() == 0);
    }

    @Test
    void httpPassesOnAnyStatusOfTheListedRanges() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthConfig config = http(Method.GET, "/", Optional.empty(),
                List.of(new StatusRange(200, 299), new StatusRange(302, 302)), Optional.empty(), TIMEOUT);
        for (int status : new int[] {200, 204, 302}) {
            server.answer(status, "");
            assertThat(runHttp(config, server.address())).as("status %d", status)
                    .isEqualTo(HealthCheck.Result.passed("status " + status));
        }
        for (int status : new int[] {301, 404, 500}) {
            server.answer(status, "");
            assertThat(runHttp(config, server.address())).as("status %d", status)
                    .isEqualTo(HealthCheck.Result.failed("status " + status));
        }
    }

    // ---- http: the body

    @Test
    void httpWithExpectBodyPassesOnlyWhenTheBodyContainsTheText() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        server.answer(200, "{\"status\":\"ok\"}");
        assertThat(runHttp(http("/", Optional.of("\"ok\"")), server.address()))
                .isEqualTo(HealthCheck.Result.passed("status 200"));

        server.answer(200, "{\"status\":\"degraded\"}");
        assertThat(runHttp(http("/", Optional.of("ok")), server.address()))
                .isEqualTo(HealthCheck.Result.failed("body lacks 'ok'"));
        assertThat(runHttp(http("/", Optional.empty()), server.address()))
                .as("without expect_body the status decides").isEqualTo(HealthCheck.Result.passed("status 200"));
    }

    @Test
    void theTextIsFoundAcrossChunks() throws Exception {
        // "alpha-bravo GET /check" comes in three chunks of 7: "alpha-b", "ravo GE", "T /chec", "k".
        TestBackend backend = closeLater(TestBackend.builder("alpha-bravo").mode(TestBackend.Mode.CHUNKED).start());
        assertThat(runHttp(http("/check", Optional.of("bravo GET /")), backend.address()))
                .isEqualTo(HealthCheck.Result.passed("status 200"));
        assertThat(runHttp(http("/check", Optional.of("bravo PUT")), backend.address()))
                .isEqualTo(HealthCheck.Result.failed("body lacks 'bravo PUT'"));
    }

    @Test
    void onlyTheFirst64KibOfTheBodyAreSearched() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        String filler = "x".repeat(HealthConfig.MAX_BODY_BYTES);
        server.answer(200, "ok" + filler);
        assertThat(runHttp(http("/", Optional.of("ok")), server.address()))
                .isEqualTo(HealthCheck.Result.passed("status 200"));

        server.answer(200, filler.substring(1) + "ok" + filler);
        assertThat(runHttp(http("/", Optional.of("ok")), server.address()))
                .as("the text straddles the 64 KiB mark").isEqualTo(HealthCheck.Result.failed("body lacks 'ok' in its first 64 KiB"));

        server.answer(200, filler.substring(2) + "ok");
        assertThat(runHttp(http("/", Optional.of("ok")), server.address()))
                .as("the text ends at the 64 KiB mark").isEqualTo(HealthCheck.Result.passed("status 200"));
    }

    // ---- http: misbehaving servers

    @Test
    void aStalledServerFailsTheCheckAtTheTimeout() throws Exception {
        TestBackend backend = closeLater(TestBackend.builder("stall").mode(TestBackend.Mode.STALL).start());
        HealthConfig config = http(Method.GET, "/", Optional.empty(), HealthConfig.DEFAULT_EXPECT_STATUSES,
                Optional.empty(), Duration.ofMillis(200));
        long start = System.nanoTime();
        HealthCheck.Result r = runHttp(config, backend.address());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(r).isEqualTo(HealthCheck.Result.failed("timeout after 200ms"));
        assertThat(tookMillis).isBetween(190L, 700L);
        await().until(() -> backend.openConnections() == 0);
    }

    @Test
    void aSlowAnswerWithinTheTimeoutPasses() throws Exception {
        TestBackend backend = closeLater(TestBackend.builder("slow").delay(Duration.ofMillis(100)).start());
        assertThat(runHttp(http("/", Optional.empty()), backend.address()))
                .isEqualTo(HealthCheck.Result.passed("status 200"));
    }

    @Test
    void aResetFailsTheCheck() throws Exception {
        TestBackend backend = closeLater(TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start());
        HealthCheck.Result r = runHttp(http("/", Optional.empty()), backend.address());
        assertThat(r.passed()).isFalse();
        assertThat(r.reason()).isIn("connection reset", "connection closed before the response");
    }

    @Test
    void aServerThatClosesWithoutAnsweringFailsTheCheck() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        server.closeOnRequest();
        assertThat(runHttp(http("/", Optional.empty()), server.address()))
                .isEqualTo(HealthCheck.Result.failed("connection closed before the response"));
    }

    @Test
    void aServerThatDoesNotSpeakHttpFailsTheCheck() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        server.answerRaw("SSH-2.0-OpenSSH_9.2\r\n\r\n");
        HealthCheck.Result r = runHttp(http("/", Optional.empty()), server.address());
        assertThat(r.passed()).isFalse();
        assertThat(r.reason()).startsWith("malformed response: ");
    }

    @Test
    void httpFailsWithConnectionRefusedWhenNothingListens() throws Exception {
        assertThat(runHttp(http("/", Optional.empty()), unusedPort()))
                .isEqualTo(HealthCheck.Result.failed("connection refused"));
    }

    @Test
    void cancellingACheckClosesItsConnection() throws Exception {
        TestBackend backend = closeLater(TestBackend.builder("stall").mode(TestBackend.Mode.STALL).start());
        HealthCheck check = HealthCheck.of(http(Method.GET, "/", Optional.empty(),
                HealthConfig.DEFAULT_EXPECT_STATUSES, Optional.empty(), Duration.ofSeconds(30)), transport);
        Future<HealthCheck.Result> f = check.check(group.next(), new HealthTarget("web", "web1", backend.address()));
        await().until(() -> backend.requestHeads() == 1);
        assertThat(backend.openConnections()).isEqualTo(1);

        f.cancel(false);
        await().until(() -> backend.openConnections() == 0);
    }

    @Test
    void aCheckOfTypeNoneCannotBeMade() {
        assertThatThrownBy(() -> HealthCheck.of(HealthConfig.NONE, transport))
                .hasMessage("type: none (expected: tcp or http)");
    }

    /**
     * An HTTP server on 127.0.0.1 that answers every request with a status and body set by the test
     * (200, empty at first), or closes, or writes raw bytes; counts connections and records when each
     * was accepted. Binds a given port, so that a test can stop it and start another in its place.
     * Thread-safety: the setters may be called from any thread; it runs on its own event loop.
     */
    static final class CheckedServer implements AutoCloseable {
        private final EventLoopGroup group;
        private final Channel serverChannel;
        private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        private final ConcurrentLinkedQueue<Long> acceptedAtNanos = new ConcurrentLinkedQueue<>();
        private volatile int status = 200;
        private volatile byte[] body = new byte[0];
        private volatile byte[] raw;
        private volatile boolean close;

        private CheckedServer(int port) throws InterruptedException {
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("checked-server", true),
                    NioIoHandler.newFactory());
            try {
                serverChannel = new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                acceptedAtNanos.add(System.nanoTime());
                                channels.add(ch);
                                ch.pipeline().addLast(new HttpServerCodec(), new Answerer());
                            }
                        })
                        .bind("127.0.0.1", port).sync().channel();
            } catch (InterruptedException | RuntimeException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }

        static CheckedServer start(int port) throws InterruptedException {
            return new CheckedServer(port);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) serverChannel.localAddress();
        }

        void answer(int status, String body) {
            this.status = status;
            this.body = body.getBytes(StandardCharsets.UTF_8);
            this.raw = null;
            this.close = false;
        }

        void answerRaw(String bytes) {
            raw = bytes.getBytes(StandardCharsets.US_ASCII);
        }

        void closeOnRequest() {
            close = true;
        }

        int accepted() {
            return acceptedAtNanos.size();
        }

        List<Long> acceptedAtNanos() {
            return List.copyOf(acceptedAtNanos);
        }

        int open() {
            return channels.size();
        }

        @Override
        public void close() {
            serverChannel.close().syncUninterruptibly();
            channels.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        /** Answers at the end of each request; releases every message. */
        private final class Answerer extends ChannelInboundHandlerAdapter {
            private boolean keepAlive;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof HttpRequest req) {
                        keepAlive = HttpUtil.isKeepAlive(req);
                    }
                    if (msg instanceof LastHttpContent) {
                        respond(ctx);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void respond(ChannelHandlerContext ctx) {
                if (close) {
                    ctx.close();
                    return;
                }
                byte[] rawBytes = raw;
                if (rawBytes != null) {
                    ByteBuf buf = Unpooled.wrappedBuffer(rawBytes);
                    // Below the codec: the bytes go out as they are.
                    ctx.pipeline().firstContext().writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
                HttpUtil.setContentLength(res, body.length);
                if (!keepAlive) {
                    res.headers().set(HttpHeaderNames.CONNECTION, "close");
                }
                ctx.writeAndFlush(res).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                        : ChannelFutureListener.CLOSE);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
