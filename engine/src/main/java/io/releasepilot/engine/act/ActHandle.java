package io.releasepilot.engine.act;

import io.releasepilot.engine.EnvironmentException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A long act (deployCanary, promote, rollback, rollbackOnAlert, an RDS snapshot wait) that a host
 * started or resumed. The act's progress and its absolute deadline are recorded where any process
 * can read them (the Deployment's annotations, the act-state table), so a host that restarts
 * rebuilds the handle with the act's {@code resume(runId, …)} and the deadline stays the same.
 * Waiting holds no thread: the act polls on the shared {@link ActScheduler}.
 *
 * @param <R> what the act returns when it succeeds
 */
public interface ActHandle<R> {

    RunId runId();

    /** When the act gives up, fixed when it started. */
    Instant deadline();

    /** One line a person reads while the act waits, e.g. {@code deployCanary prod/web: canary at 10% (1/10 pods ready), 4m12s left}. */
    String status();

    /**
     * Completes with the result, or exceptionally with the act's typed exception
     * ({@code InvalidInputException}, {@code DeploymentFailedException}, {@code EnvironmentException},
     * {@link ActCancelledException}, {@link LeaseConflictException}).
     */
    CompletableFuture<R> completion();

    /**
     * Waits for the act on the calling thread (the CLI does this). An interrupt stops the act
     * ({@link #stop} with reason "interrupted") and is rethrown; a failure is thrown as the act's
     * own exception.
     */
    default R await() throws InterruptedException {
        try {
            return completion().get();
        } catch (InterruptedException e) {
            stop("interrupted");
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e;
            while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new EnvironmentException(status() + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Stops the act and leaves a consistent, recorded state: a CANCELLED record, the lease released.
     * Idempotent; {@link #completion()} then completes with {@link ActCancelledException}.
     */
    void stop(String reason);
}
