package io.halb.agent;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The resource agent: a TCP server that writes one line to each connection, HAProxy's agent-check
 * reply, e.g. {@code up 73%}: the state word from the state file ({@code up} when there is none)
 * and the weight from {@link WeightFormula}. It then half-closes and discards what the peer sends
 * (HAProxy's {@code agent-send}), so that closing never resets a connection with unread data.
 *
 * <p>Threads: one event loop serves connections and computes each reply from the latest sample;
 * one daemon thread samples the metrics and reads the state file every interval, so no file is read
 * on the event loop.
 */
public final class ResourceAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResourceAgent.class);

    /** A peer that neither reads nor closes is dropped after this. */
    private static final long LINGER_SECONDS = 10;

    private final AgentOptions options;
    private final MachineMetrics metrics;
    private final EventLoopGroup group;
    private final ScheduledExecutorService sampler;
    private Channel serverChannel;

    /** Written by the sampler thread, read by the event loop. */
    private volatile AdminWord word = AdminWord.UP;
    /** The state file's content that was last warned about; sampler thread only. */
    private String warnedContent;
    /** Whether the last metrics refresh failed; sampler thread only. */
    private boolean refreshFailing;

    private ResourceAgent(AgentOptions options, MachineMetrics metrics) {
        this.options = options;
        this.metrics = metrics;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("halb-agent", true),
                NioIoHandler.newFactory());
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "halb-agent-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads the state file, then listens. {@code metrics} should hold a first sample already; the
     * agent refreshes it every {@link AgentOptions#sampleInterval()}.
     */
    public static ResourceAgent start(AgentOptions options, MachineMetrics metrics) throws InterruptedException {
        ResourceAgent agent = new ResourceAgent(Objects.requireNonNull(options, "options"),
                Objects.requireNonNull(metrics, "metrics"));
        try {
            agent.readStateFile();
            agent.bind();
        } catch (Throwable e) {
            // Includes a bind failure, which Netty throws as an undeclared checked exception.
            agent.close();
            throw e;
        }
        long every = options.sampleInterval().toMillis();
        agent.sampler.scheduleWithFixedDelay(agent::sample, every, every, TimeUnit.MILLISECONDS);
        return agent;
    }

    private void bind() throws InterruptedException {
        ChannelHandler handler = new ReplyHandler();
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(handler)
                .bind(options.bindHost(), options.port())
                .sync()
                .channel();
    }

    /** The address the agent listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The line a connection would get now, without its line feed, e.g. {@code up 73%}. */
    public String reply() {
        return word.word() + " " + options.formula().percent(metrics) + "%";
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Sampler thread. */
    private void sample() {
        try {
            metrics.refresh();
            if (refreshFailing) {
                refreshFailing = false;
                log.info("metrics readable again");
            }
        } catch (IOException | RuntimeException e) {
            if (!refreshFailing) {
                refreshFailing = true;
                log.warn("cannot sample metrics, keeping the last sample: {}", e.toString());
            }
        }
        readStateFile();
        if (log.isDebugEnabled()) {
            log.debug("cpu idle {}%, memory available {}%, sessions {}: {}", Math.round(metrics.cpuIdle() * 100),
                    Math.round(metrics.memoryAvailable() * 100), metrics.sessions(), reply());
        }
    }

    /**
     * Sets {@link #word} from the state file's first word: none, empty or unreadable means {@code up};
     * a word that is not a state is warned about once and taken as {@code up}.
     */
    private void readStateFile() {
        Optional<Path> file = options.stateFile();
        AdminWord next = AdminWord.UP;
        if (file.isPresent()) {
            String content = "";
            try {
                content = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                content = "";
            } catch (IOException | RuntimeException e) {
                content = "unreadable: " + e;
            }
            String first = content.isEmpty() ? "" : content.split("\\s+", 2)[0];
            if (!first.isEmpty()) {
                Optional<AdminWord> w = AdminWord.of(first);
                if (w.isPresent()) {
                    next = w.get();
                    warnedContent = null;
                } else if (!content.equals(warnedContent)) {
                    warnedContent = content;
                    log.warn("{}: '{}' is not a state (expected: up, ready, drain, maint or down); announcing up",
                            file.get(), first);
                }
            }
        }
        if (next != word) {
            log.info("state {} -> {}{}", word.word(), next.word(), file.map(f -> " (" + f + ")").orElse(""));
            word = next;
        }
    }

    /** Writes the reply, half-closes, discards input, closes when the peer does. */
    @ChannelHandler.Sharable
    private final class ReplyHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf line = ByteBufUtil.writeAscii(ctx.alloc(), reply() + "\n");
            ctx.writeAndFlush(line).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ((SocketChannel) f.channel()).shutdownOutput();
                } else {
                    f.channel().close();
                }
            });
            var linger = ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            ctx.channel().closeFuture().addListener(f -> linger.cancel(false));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
