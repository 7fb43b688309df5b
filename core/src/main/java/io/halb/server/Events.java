package io.halb.server;

import io.halb.admin.AdminEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who wants to hear of state changes (the admin API's event stream). Publishing happens on event
 * loops and admin threads; subscribers must not block.
 */
final class Events {

    private static final Logger log = LoggerFactory.getLogger(Events.class);

    private final CopyOnWriteArrayList<Consumer<AdminEvent>> subscribers = new CopyOnWriteArrayList<>();

    Runnable subscribe(Consumer<AdminEvent> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    void publish(String type, String pool, String server, String detail) {
        if (subscribers.isEmpty()) {
            return;
        }
        AdminEvent event = new AdminEvent(System.currentTimeMillis(), type, pool, server, detail);
        for (Consumer<AdminEvent> s : subscribers) {
            try {
                s.accept(event);
            } catch (RuntimeException e) {
                log.warn("event subscriber failed: {}", e.toString());
            }
        }
    }
}
