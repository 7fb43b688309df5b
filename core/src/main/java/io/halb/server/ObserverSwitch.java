package io.halb.server;

import io.halb.proxy.RequestRecord;
import io.halb.proxy.SessionRecord;
import io.halb.proxy.TrafficObserver;

/**
 * The observer every listener snapshot holds: one volatile read to the current set of observers
 * (metrics, access log), which a reload can replace without rebuilding the listeners.
 */
final class ObserverSwitch implements TrafficObserver {

    private volatile TrafficObserver current = TrafficObserver.NONE;

    void set(TrafficObserver observer) {
        current = observer;
    }

    @Override
    public void requestDone(RequestRecord record) {
        current.requestDone(record);
    }

    @Override
    public void sessionDone(SessionRecord record) {
        current.sessionDone(record);
    }
}
