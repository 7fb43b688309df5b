package io.halb.proxy;

/**
 * Told of every finished request and TCP session, for metrics and access logs. Called on event
 * loops: implementations must be quick and must not block (hand work to another thread).
 */
public interface TrafficObserver {

    TrafficObserver NONE = new TrafficObserver() {
        @Override
        public void requestDone(RequestRecord record) {}

        @Override
        public void sessionDone(SessionRecord record) {}
    };

    /** An HTTP request ended: answered (by a server or by halb), or abandoned. */
    void requestDone(RequestRecord record);

    /** A TCP session ended. */
    void sessionDone(SessionRecord record);

    /** Tells every observer in turn. */
    static TrafficObserver of(java.util.List<TrafficObserver> observers) {
        java.util.List<TrafficObserver> all = java.util.List.copyOf(observers);
        if (all.isEmpty()) {
            return NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        return new TrafficObserver() {
            @Override
            public void requestDone(RequestRecord record) {
                for (TrafficObserver o : all) {
                    o.requestDone(record);
                }
            }

            @Override
            public void sessionDone(SessionRecord record) {
                for (TrafficObserver o : all) {
                    o.sessionDone(record);
                }
            }
        };
    }
}
