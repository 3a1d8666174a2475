package io.releasepilot.engine.alert;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the watch acts on when an alert fires: the canary of one workload. The host wires its
 * delivery (the Kubernetes canary rollback in {@code engine/kube}) to this, so the watch knows
 * nothing of clusters.
 */
public interface RollbackTarget {

    /** Sends no more traffic to the canary, at once: the first thing done on a trigger. */
    void zeroTraffic();

    /**
     * Undoes the delivery (removes the canary, or restores the previous stable release) and
     * records {@code ROLLED_BACK} in the audit trail with this reason. Must converge when called
     * again for the same canary (a resumed watch repeats a rollback a restart interrupted).
     */
    void rollBack(String reason);

    /**
     * Starts {@link #rollBack} and completes when it is done. The watch calls this on its
     * scheduler's thread: a target whose rollback waits (for the stable to be available)
     * overrides it to wait without holding that thread, e.g. with the rollback act's handle.
     */
    default CompletionStage<Void> startRollBack(String reason) {
        try {
            rollBack(reason);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The workload, for messages, e.g. {@code prod/web}. */
    String describe();
}
