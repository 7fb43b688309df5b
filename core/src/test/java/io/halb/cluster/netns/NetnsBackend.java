package io.halb.cluster.netns;

import com.sun.net.httpserver.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP backend run as its own process inside a test network namespace:
 * {@code NetnsBackend HOST PORT NAME} answers every request with its name.
 */
public final class NetnsBackend {

    private NetnsBackend() {}

    public static void main(String[] args) throws Exception {
        // Head and body leave together: a Nagle-delayed body would keep every exchange open 40 ms longer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 512);
        byte[] body = (args[2] + "\n").getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("listening");
    }
}
