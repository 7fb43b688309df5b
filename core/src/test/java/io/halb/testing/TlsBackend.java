package io.halb.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS server for tests (the JDK's): answers every request 200 with its name as the body,
 * presenting a certificate made by {@link TestCertificates}. Records the last request's headers.
 */
public final class TlsBackend implements Closeable {

    private final String name;
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicReference<Map<String, List<String>>> lastHeaders = new AtomicReference<>();

    private TlsBackend(String name, TestCertificates.Pair cert, TestCertificates clientCa) throws Exception {
        this.name = name;
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(TestCertificates.keyManagers(cert).getKeyManagers(),
                clientCa == null ? null : clientCa.trustManagers(), null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                javax.net.ssl.SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(clientCa != null);
                params.setSSLParameters(p);
            }
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            lastHeaders.set(Map.copyOf(exchange.getRequestHeaders()));
            exchange.getRequestBody().readAllBytes();
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public static TlsBackend start(String name, TestCertificates.Pair cert) throws Exception {
        return new TlsBackend(name, cert, null);
    }

    /** A server that requires a client certificate issued by {@code clientCa}. */
    public static TlsBackend requiringClientCertificates(String name, TestCertificates.Pair cert,
                                                         TestCertificates clientCa) throws Exception {
        return new TlsBackend(name, cert, clientCa);
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public String toString() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public int requests() {
        return requests.get();
    }

    public Map<String, List<String>> lastHeaders() {
        return lastHeaders.get();
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
        executor.shutdownNow();
    }
}
