package io.halb.server;

import io.halb.cluster.ListenerGate;

/** The server side of {@code driver: none}: the cluster opens and closes a VIP's listeners through it. */
final class VipListeners implements ListenerGate {

    private final Halb halb;

    VipListeners(Halb halb) {
        this.halb = halb;
    }

    @Override
    public void open(String host) throws Exception {
        halb.openGated(host);
    }

    @Override
    public void close(String host) {
        halb.closeGated(host);
    }
}
