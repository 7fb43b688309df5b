package io.halb.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The admin listener: the REST API under {@code /api/v1} (JSON, snake_case), server-sent events at
 * {@code /api/v1/events}, Prometheus metrics at {@code /metrics} and the dashboard's static files
 * under {@code /dashboard/}. docs/operations.md lists every route.
 *
 * <p>With a token, every request but the dashboard's files needs {@code Authorization: Bearer <token>}
 * (401 otherwise, and nothing changes). Control-plane calls run on one thread named
 * {@code halb-admin}, in arrival order, never on an event loop; scrapes and files on
 * {@code halb-admin-io}, so neither waits for the other.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} from any thread but an event loop (they wait
 * for the bind and the close); {@link #address} from any thread.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static final int MAX_REQUEST_BYTES = 1024 * 1024;
    static final Duration PING_INTERVAL = Duration.ofSeconds(15);
    /** A connection with no request and no event stream for this long is closed. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Requests that may wait for each admin thread; more are answered 503. */
    static final int MAX_WAITING = 64;

    private final Channel serverChannel;
    private final ChannelGroup channels;
    private final ExecutorService planeExecutor;
    private final ExecutorService ioExecutor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminServer(Channel serverChannel, ChannelGroup channels, ExecutorService planeExecutor,
                        ExecutorService ioExecutor) {
        this.serverChannel = serverChannel;
        this.channels = channels;
        this.planeExecutor = planeExecutor;
        this.ioExecutor = ioExecutor;
    }

    /**
     * Binds {@code host:port} and serves until {@link #close}.
     *
     * @param group         the event loops to serve on (shared with the proxy; not shut down by close)
     * @param token         the bearer token every request but the dashboard's files must present, or
     *                      empty for an open listener (the configuration allows that only on loopback)
     * @param plane         what the API reads and changes
     * @param metricsScrape the Prometheus text for {@code GET /metrics}; called off the event loops
     * @throws IllegalStateException when the address cannot be bound, naming it
     */
    public static AdminServer start(EventLoopGroup group, Class<? extends ServerChannel> channelType, String host,
                                    int port, Optional<String> token, ControlPlane plane,
                                    Supplier<String> metricsScrape) {
        return start(group, channelType, host, port, token, plane, metricsScrape, PING_INTERVAL,
                AdminServer.class.getClassLoader());
    }

    /**
     * As above, with the event streams' ping interval and where the dashboard's files are looked up
     * (tests shorten the one and bring their own files).
     */
    static AdminServer start(EventLoopGroup group, Class<? extends ServerChannel> channelType, String host, int port,
                             Optional<String> token, ControlPlane plane, Supplier<String> metricsScrape,
                             Duration pingInterval, ClassLoader dashboardFiles) {
        Objects.requireNonNull(plane, "plane");
        Objects.requireNonNull(metricsScrape, "metricsScrape");
        ExecutorService planeExecutor = singleThread("halb-admin");
        ExecutorService ioExecutor = singleThread("halb-admin-io");
        Json json = new Json();
        AdminHandler.Shared shared = new AdminHandler.Shared(new AdminServerAccess(token), new JsonApi(plane, json), json,
                new AdminServerFiles(dashboardFiles), plane, metricsScrape, planeExecutor,
                ioExecutor, pingInterval);
        ChannelGroup channels = new DefaultChannelGroup("halb-admin", GlobalEventExecutor.INSTANCE);
        Channel serverChannel;
        try {
            serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            channels.add(ch);
                            ch.pipeline()
                                    .addLast("idle", new IdleStateHandler(0, 0, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new LingeringAggregator(MAX_REQUEST_BYTES))
                                    .addLast("admin", new AdminHandler(shared));
                        }
                    })
                    .bind(host, port)
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) {
            planeExecutor.shutdown();
            ioExecutor.shutdown();
            throw new IllegalStateException("admin: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        AdminServer server = new AdminServer(serverChannel, channels, planeExecutor, ioExecutor);
        log.info("admin on {} ({})", server.address(), token.isPresent() ? "bearer token required" : "no token: open to local clients");
        return server;
    }

    /** Where it listens (the bound port when started with port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Stops accepting, closes every connection (event streams end and unsubscribe) and lets a
     * control-plane call in progress finish. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        planeExecutor.shutdown();
        ioExecutor.shutdown();
        try {
            if (!planeExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("admin: a control-plane call still runs 10 s after close");
            }
            ioExecutor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One daemon thread with a bounded queue: a flood of requests gets 503s, not unbounded memory. */
    private static ExecutorService singleThread(String name) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_WAITING), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
