package io.halb.testing;

import io.halb.admin.AdminEvent;
import io.halb.admin.ControlPlane;
import io.halb.admin.ListenerView;
import io.halb.admin.PoolView;
import io.halb.admin.ReloadResult;
import io.halb.config.ServerConfig;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A control plane for tests that only read it (metrics): no listeners, no pools, no events, and
 * every change refused. Subclasses give the status and whatever else the test reads.
 */
public abstract class ReadOnlyPlane implements ControlPlane {

    @Override
    public List<ListenerView> listeners() {
        return List.of();
    }

    @Override
    public List<PoolView> pools() {
        return List.of();
    }

    @Override
    public void setServerState(String pool, String server, String state) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setServerWeight(String pool, String server, int weight) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void addServer(String pool, ServerConfig server) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void removeServer(String pool, String server) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ReloadResult reload() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Object effectiveConfig() {
        return Map.of();
    }

    @Override
    public Runnable subscribe(Consumer<AdminEvent> listener) {
        return () -> { };
    }
}
