package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Applies agent reports to the balancers' view of a server. The one place where the agent protocol
 * meets {@link Endpoint}; everything else in the agent check is independent of it.
 */
public final class AgentReports {

    private AgentReports() {}

    /**
     * Applies what {@code report} announces to {@code endpoint} and leaves the rest alone, as HAProxy
     * does: a percentage sets the weight to {@link AgentReport#effectiveWeight(int)
     * max(1, configuredWeight * percent / 100)} (0% sets 0, which takes the server out of the rotation);
     * {@code drain}, {@code maint} and {@code down}/{@code fail}/{@code stopped} set
     * {@link ServerState#DRAIN}, {@link ServerState#MAINT} and {@link ServerState#DOWN};
     * {@code up} and {@code ready} set {@link ServerState#UP}. An unreachable report changes nothing.
     *
     * <p>Any thread; does not block.
     *
     * @param configuredWeight the server's weight in the configuration, the 100% reference
     * @return whether the endpoint's weight or state changed
     */
    public static boolean apply(AgentReport report, Endpoint endpoint, int configuredWeight) {
        if (report.unreachable()) {
            return false;
        }
        int weightBefore = endpoint.weight();
        ServerState stateBefore = endpoint.state();
        OptionalInt weight = report.effectiveWeight(configuredWeight);
        if (weight.isPresent()) {
            endpoint.weight(weight.getAsInt());
        }
        serverState(report.state()).ifPresent(endpoint::state);
        return endpoint.weight() != weightBefore || endpoint.state() != stateBefore;
    }

    /** The server state an agent state word means. */
    public static Optional<ServerState> serverState(Optional<AgentState> state) {
        return state.map(s -> switch (s) {
            case UP, READY -> ServerState.UP;
            case DRAIN -> ServerState.DRAIN;
            case MAINT -> ServerState.MAINT;
            case DOWN, FAIL, STOPPED -> ServerState.DOWN;
        });
    }
}
