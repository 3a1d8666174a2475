package io.releasepilot.engine.alert;

import java.util.List;

/**
 * Where the watch learns what is firing: Prometheus alerts, Alertmanager alerts, a PromQL
 * condition, CloudWatch alarms. Each observation is one call of {@link #firing()}.
 */
public interface AlertSource extends AutoCloseable {

    /** What is watched, for console lines and messages, e.g. {@code prometheus http://prom:9090}. */
    String describe();

    /**
     * Lets the server check what it is asked before the watch starts (a PromQL expression, alarm
     * names). Throws {@link io.releasepilot.engine.InvalidInputException} with the server's own
     * words when it rejects the input; {@link AlertSourceException} when it cannot be asked now.
     */
    default void check() throws AlertSourceException {
    }

    /** The selected alerts firing now; empty when none. */
    List<FiringAlert> firing() throws AlertSourceException;

    /** Releases the source's client, if it holds one. */
    @Override
    default void close() {
    }
}
