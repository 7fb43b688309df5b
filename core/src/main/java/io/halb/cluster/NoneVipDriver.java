package io.halb.cluster;

import io.halb.config.ClusterConfig.VipConfig;

/** {@code driver: none}: the address is there already (loopback, or moved by something else); only the listeners on it open and close. */
final class NoneVipDriver implements VipDriver {

    private final ListenerGate gate;

    NoneVipDriver(ListenerGate gate) {
        this.gate = gate;
    }

    @Override
    public void take(VipConfig vip) throws Exception {
        gate.open(vip.host());
    }

    @Override
    public void release(VipConfig vip) {
        gate.close(vip.host());
    }
}
