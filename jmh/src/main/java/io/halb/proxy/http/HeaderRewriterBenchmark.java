package io.halb.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The request-header rewrite every proxied HTTP/1.1 request pays ({@link HeaderRewriter#toServer}),
 * per request of a keep-alive connection: {@code perConnection} reuses the event loop's
 * {@link HeaderRewriter.Forwarding} as halb does, {@code fresh} derives everything anew (as every
 * request did before issue 9). Both include building the request's headers, which
 * {@code headersOnly} measures alone; run with {@code -prof gc} for bytes per request.
 * Lives in halb's package because the rewriter is package-private.
 *
 * <p>{@code java -jar jmh/target/halb-jmh.jar HeaderRewriterBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderRewriterBenchmark {

    private InetAddress client;
    private final HeaderRewriter.Forwarding forwarding = new HeaderRewriter.Forwarding();

    @Setup
    public void setUp() throws Exception {
        client = InetAddress.getByName("127.0.0.1");
    }

    /** The head wrk sends (Host only) plus what a browser adds, with a keep-alive Connection. */
    private static HttpHeaders request() {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        h.add("Host", "127.0.0.1:8080");
        h.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) bench");
        h.add("Accept", "*/*");
        h.add("Connection", "keep-alive");
        return h;
    }

    /** A response head as nginx sends it. */
    private static HttpHeaders response() {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        h.add("Server", "nginx/1.22.1");
        h.add("Date", "Tue, 24 Nov 2026 15:00:00 GMT");
        h.add("Content-Type", "text/plain");
        h.add("Content-Length", "2");
        h.add("Last-Modified", "Tue, 24 Nov 2026 14:00:00 GMT");
        h.add("Connection", "keep-alive");
        h.add("Accept-Ranges", "bytes");
        return h;
    }

    @Benchmark
    public HttpHeaders headersOnly() {
        return request();
    }

    @Benchmark
    public HttpHeaders toServerPerConnection() {
        HttpHeaders h = request();
        HeaderRewriter.toServer(h, forwarding, client, "http", false);
        return h;
    }

    @Benchmark
    public HttpHeaders toServerFresh() {
        HttpHeaders h = request();
        HeaderRewriter.toServer(h, new HeaderRewriter.Forwarding(), client, "http", false);
        return h;
    }

    @Benchmark
    public HttpHeaders toClient() {
        HttpHeaders h = response();
        HeaderRewriter.toClient(h, false);
        return h;
    }
}
