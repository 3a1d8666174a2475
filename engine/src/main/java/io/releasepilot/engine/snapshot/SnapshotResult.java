package io.releasepilot.engine.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot step did (or, for a dry run, would do).
 *
 * @param location  what a later restore needs: the snapshot ARN, or the dump's path on the host
 * @param created   false for a dry run: nothing was created or deleted
 * @param attempts  how many status polls the wait took (0 when there was no wait)
 * @param waited    how long the wait took
 * @param pruned    the snapshots retention removed (or would remove, in a dry run), oldest last
 * @param facts     further recorded facts, e.g. sha256 and size of a dump
 */
public record SnapshotResult(SnapshotEngine engine, String snapshotId, String location, boolean created,
                             int attempts, Duration waited, List<PrunedSnapshot> pruned, Map<String, String> facts) {

    public SnapshotResult {
        pruned = List.copyOf(pruned);
        facts = Map.copyOf(facts);
    }

    /** One snapshot removed by retention: its id, where it was and when it had been taken. */
    public record PrunedSnapshot(String snapshotId, String location, Instant createdAt) {
    }
}
