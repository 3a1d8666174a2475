package io.releasepilot.engine.act;

import java.util.concurrent.CompletionStage;

/**
 * The host's own work that an act guards while it runs: the Pipeline block body under Jenkins,
 * a command for the CLI. The act never runs it; it learns from {@link #completion()} when the
 * body ends, and calls {@link #stop} when it must end early (an alert fired, the window passed).
 * The host starts its body once the guarding call returned, so a request the act rejects never
 * runs the body; a body stopped before it started must then not start.
 */
public interface HostBody {

    /** The body as console lines name it, e.g. {@code `./smoke-test.sh`}. */
    default String describe() {
        return "the guarded body";
    }

    /** Completes when the body ends: normally with its result, exceptionally with its failure. */
    CompletionStage<?> completion();

    /**
     * Asks the body to stop now, because of {@code cause} (which names the alert, or the window).
     * Returns at once; the body's {@link #completion()} completes when it has stopped.
     */
    void stop(Throwable cause);
}
