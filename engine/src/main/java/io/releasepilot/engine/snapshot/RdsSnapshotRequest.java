package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.util.Objects;

/**
 * One RDS snapshot step, validated when made: what to snapshot, how to name it, what it is for,
 * how long to wait and how many of this tool's snapshots of that database to keep.
 *
 * @param template  the snapshot identifier or a template of it (null: the default template)
 * @param retain    how many of this tool's snapshots of the source to keep, counting the new one; null: keep all
 * @param dryRun    create and delete nothing; say what would be created and pruned
 */
public record RdsSnapshotRequest(Source source, String template, SnapshotLabels labels, Integer retain, Duration timeout, boolean dryRun) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    /** What is snapshotted: a DB instance or an Aurora DB cluster, by identifier. */
    public record Source(Kind kind, String identifier) {
        public enum Kind { INSTANCE, CLUSTER }

        public Source {
            Objects.requireNonNull(kind, "kind");
            identifier = kind == Kind.INSTANCE ? SnapshotIds.rdsInstance(identifier) : SnapshotIds.rdsCluster(identifier);
        }

        public static Source instance(String id) {
            return new Source(Kind.INSTANCE, id);
        }

        public static Source cluster(String id) {
            return new Source(Kind.CLUSTER, id);
        }

        /** For console lines and messages: {@code DB instance 'orders-db'}. */
        public String describe() {
            return (kind == Kind.INSTANCE ? "DB instance '" : "DB cluster '") + identifier + "'";
        }
    }

    public RdsSnapshotRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(labels, "labels");
        template = template == null ? SnapshotIds.defaultTemplate(labels) : template;
        retain = Retention.validate(retain);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout", timeout.toString(), "a duration greater than zero, such as 30m or 1h");
        }
        SnapshotIds.rds(template, labels, SnapshotIds.SAMPLE_RUN, java.time.Instant.EPOCH);
    }
}
