package io.halb.balance;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A {@link PickContext} for tests, with fields set by the test. Not thread-safe. */
final class Requests implements PickContext {

    private InetAddress client;
    private String uri;
    private final Map<String, String> headers = new HashMap<>();
    private final Map<String, String> cookies = new HashMap<>();
    private final Set<Endpoint> tried = new HashSet<>();

    static Requests from(String clientAddress) {
        Requests r = new Requests();
        try {
            r.client = InetAddress.getByName(clientAddress);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(clientAddress, e);
        }
        return r;
    }

    static Requests any() {
        return from("192.0.2.1");
    }

    Requests uri(String uri) {
        this.uri = uri;
        return this;
    }

    Requests header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    Requests cookie(String name, String value) {
        cookies.put(name, value);
        return this;
    }

    Requests failedOn(Endpoint endpoint) {
        tried.add(endpoint);
        return this;
    }

    @Override
    public InetAddress clientAddress() {
        return client;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    @Override
    public String cookie(String name) {
        return cookies.get(name);
    }

    @Override
    public boolean tried(Endpoint endpoint) {
        return tried.contains(endpoint);
    }
}
