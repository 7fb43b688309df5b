package io.halb.guard;

import io.halb.config.LimitsConfig;
import io.halb.config.ListenerConfig;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The {@link Limiter} of every listener, by name, so a reload keeps each listener's counts and
 * client table while its limits change.
 *
 * <p>Thread-safety: safe from any thread; reloads call {@link #configure} under the server's lock.
 */
public final class Limiters {

    private final Limiter.RefusalCounter counter;
    private final Map<String, Limiter> byListener = new ConcurrentHashMap<>();

    public Limiters(Limiter.RefusalCounter counter) {
        this.counter = counter;
    }

    /** The listener's limiter, made with {@code limits} if it has none yet (a new listener). */
    public Limiter of(String listener, LimitsConfig limits) {
        return byListener.computeIfAbsent(listener, name -> new Limiter(name, limits, counter));
    }

    /** Applies a reloaded configuration: new limits for every listener, forgets listeners gone. */
    public void configure(Collection<ListenerConfig> listeners) {
        Set<String> names = listeners.stream().map(ListenerConfig::name).collect(Collectors.toSet());
        byListener.keySet().retainAll(names);
        for (ListenerConfig lc : listeners) {
            of(lc.name(), lc.limits()).configure(lc.limits());
        }
    }

    /** The limiter of a listener, or {@code null}. */
    public Limiter get(String listener) {
        return byListener.get(listener);
    }
}
