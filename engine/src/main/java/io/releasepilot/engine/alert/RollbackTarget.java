package io.releasepilot.engine.alert;

/**
 * What the watch acts on when an alert fires: the canary of one workload. The host adapts its
 * delivery (the Kubernetes canary rollback) to this, so the watch knows nothing of clusters.
 */
public interface RollbackTarget {

    /** Sends no more traffic to the canary, at once: the first thing done on a trigger. */
    void zeroTraffic();

    /**
     * Undoes the delivery (removes the canary, or restores the previous stable release) and
     * records {@code ROLLED_BACK} in the audit trail with this reason.
     */
    void rollBack(String reason);

    /** The workload, for messages, e.g. {@code prod/web}. */
    String describe();
}
