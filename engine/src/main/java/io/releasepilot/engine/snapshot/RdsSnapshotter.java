package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBSnapshot;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DbSnapshotAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterStateException;
import software.amazon.awssdk.services.rds.model.InvalidDbInstanceStateException;
import software.amazon.awssdk.services.rds.model.SnapshotQuotaExceededException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * dbSnapshot with {@code engine: 'rds'}: a manual snapshot of a DB instance
 * ({@code CreateDBSnapshot}) or an Aurora DB cluster ({@code CreateDBClusterSnapshot}), tagged with
 * what it is for, waited for until {@code available} by a {@link Waiter}, then retention over this
 * tool's own snapshots of that database.
 *
 * <p>Re-running with the same snapshot identifier after a crash converges: a snapshot that already
 * exists and carries this tool's tags for the same database is adopted and waited for, never
 * created twice; anyone else's snapshot of that name is left alone and reported.
 */
public final class RdsSnapshotter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RdsSnapshotter.class.getName());
    private static final Set<String> FAILED_STATES = Set.of("failed", "deleted", "deleting", "incompatible-restore",
            "incompatible-parameters", "incompatible-network");

    /** RDS errors the calls below turn into their own messages. */
    private static final List<Class<? extends AwsServiceException>> HANDLED_BY_CALLER = List.of(
            DbInstanceNotFoundException.class, DbClusterNotFoundException.class,
            InvalidDbInstanceStateException.class, InvalidDbClusterStateException.class, SnapshotQuotaExceededException.class,
            DbSnapshotAlreadyExistsException.class, DbClusterSnapshotAlreadyExistsException.class,
            DbSnapshotNotFoundException.class, DbClusterSnapshotNotFoundException.class);

    private final RdsClient rds;
    private final AwsAccess access;
    private final AuditStore audit;
    private final Origin origin;
    private final ProgressListener listener;
    private final Backoff backoff;
    private final Waiter.Clock clock;
    private final Supplier<Instant> now;

    private RdsSnapshotter(RdsClient rds, AwsAccess access, AuditStore audit, Origin origin, ProgressListener listener,
                           Backoff backoff, Waiter.Clock clock, Supplier<Instant> now) {
        this.rds = rds;
        this.access = access;
        this.audit = Objects.requireNonNull(audit, "audit");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.backoff = backoff;
        this.clock = clock;
        this.now = now;
    }

    /** A snapshotter for the account and region {@code access} names; no call is made yet. */
    public static RdsSnapshotter connect(AwsAccess access, AuditStore audit, Origin origin, ProgressListener listener) {
        return new RdsSnapshotter(access.rdsClient(), access, audit, origin, listener, Backoff.SNAPSHOT, Waiter.Clock.SYSTEM, Instant::now);
    }

    /** The same snapshotter, pausing between status checks by {@code backoff}. */
    public RdsSnapshotter withBackoff(Backoff backoff) {
        return new RdsSnapshotter(rds, access, audit, origin, listener, Objects.requireNonNull(backoff, "backoff"), clock, now);
    }

    /** Takes the snapshot, waits for it, applies retention; returns its ARN as the location. */
    public SnapshotResult snapshot(RdsSnapshotRequest request) throws InterruptedException {
        RdsSnapshotRequest.Source source = request.source();
        String id = SnapshotIds.rds(request.template(), request.labels(), now.get());
        Side side = source.kind() == RdsSnapshotRequest.Source.Kind.INSTANCE ? new InstanceSide(source.identifier())
                : new ClusterSide(source.identifier());
        if (request.dryRun()) {
            return dryRun(request, side, id);
        }
        Waiter.Result<Snap> waited;
        try {
            String status = side.sourceStatus();
            listener.line("[dbSnapshot] rds %s (%s, region %s): creating snapshot %s", source.describe(), status, access.region(), id);
            Snap snap = create(request, side, id, status);
            waited = waitUntilAvailable(request, side, snap);
        } catch (EnvironmentException e) {
            audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_CREATED, request.labels().service())
                    .environment(request.labels().environment())
                    .release(request.labels().release())
                    .target(id)
                    .outcome(Outcome.FAILED)
                    .reason(e.getMessage())
                    .detail("engine", "rds")
                    .detail("source", sourceDetail(source))
                    .detail("region", access.region())
                    .build(), origin);
            throw e;
        }
        Snap done = waited.last();
        listener.line("[dbSnapshot] rds %s: snapshot %s available after %s (%d status checks)", source.describe(), id,
                Durations.format(roundToSeconds(waited.elapsed())), waited.attempts());
        audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_CREATED, request.labels().service())
                .environment(request.labels().environment())
                .release(request.labels().release())
                .target(done.arn())
                .detail("engine", "rds")
                .detail("snapshotId", done.id())
                .detail("source", sourceDetail(source))
                .detail("region", access.region())
                .detail("attempts", String.valueOf(waited.attempts()))
                .detail("waitedSeconds", String.valueOf(waited.elapsed().toSeconds()))
                .build(), origin);
        List<SnapshotResult.PrunedSnapshot> pruned = request.retain() == null ? List.of() : prune(request, side, id);
        return new SnapshotResult(SnapshotEngine.RDS, id, done.arn(), true, waited.attempts(), waited.elapsed(), pruned,
                Map.of("source", sourceDetail(source), "region", access.region()));
    }

    private SnapshotResult dryRun(RdsSnapshotRequest request, Side side, String id) {
        RdsSnapshotRequest.Source source = request.source();
        String status = side.sourceStatus();
        listener.line("[dbSnapshot] rds %s (%s, region %s): dry run: would create snapshot %s", source.describe(), status,
                access.region(), id);
        List<SnapshotResult.PrunedSnapshot> wouldGo = new ArrayList<>();
        if (request.retain() != null) {
            for (Snap s : Retention.toPrune(side.managedSnapshots(), Snap::createdAt, request.retain())) {
                listener.line("[dbSnapshot] rds %s: dry run: would prune %s (taken %s; keeping the newest %d)", source.describe(),
                        s.id(), s.createdAt(), request.retain());
                wouldGo.add(new SnapshotResult.PrunedSnapshot(s.id(), s.arn(), s.createdAt()));
            }
        }
        return new SnapshotResult(SnapshotEngine.RDS, id, null, false, 0, Duration.ZERO, wouldGo,
                Map.of("source", sourceDetail(source), "region", access.region()));
    }

    private Snap create(RdsSnapshotRequest request, Side side, String id, String sourceStatus) {
        try {
            return side.create(id, tags(request.labels()), sourceStatus);
        } catch (DbSnapshotAlreadyExistsException | DbClusterSnapshotAlreadyExistsException e) {
            Snap existing = side.describe(id);
            if (existing != null && isOurs(existing, side)) {
                listener.line("[dbSnapshot] rds %s: snapshot %s already exists (taken by Release Pilot for it, %s): waiting for it",
                        request.source().describe(), id, existing.status());
                return existing;
            }
            throw new EnvironmentException("RDS snapshot '" + id + "' already exists"
                    + (existing == null ? "" : " (of '" + existing.sourceId() + "', not taken by Release Pilot for "
                    + request.source().describe() + ")")
                    + ": choose another --snapshot-id; the existing snapshot was left alone", e);
        }
    }

    private Waiter.Result<Snap> waitUntilAvailable(RdsSnapshotRequest request, Side side, Snap first) throws InterruptedException {
        String id = first.id();
        RdsSnapshotRequest.Source source = request.source();
        boolean[] firstPoll = {true};
        Waiter.Result<Snap> result = Waiter.<Snap>builder(() -> {
                    if (firstPoll[0]) {
                        firstPoll[0] = false;
                        return first;
                    }
                    Snap s = side.describe(id);
                    return s != null ? s : new Snap(id, first.arn(), "deleted", first.sourceId(), first.createdAt(), null, Map.of());
                })
                .succeedWhen(s -> "available".equals(s.status()), s -> "available")
                .failWhen(s -> FAILED_STATES.contains(s.status()), s -> "status '" + s.status() + "'")
                .retryWhen(s -> true, s -> "status '" + s.status() + "'")
                .backoff(backoff)
                .timeout(request.timeout())
                .clock(clock)
                .onAttempt((attempt, s, elapsed) -> {
                    if (attempt > 1 && !"available".equals(s.status())) {
                        listener.line("[dbSnapshot] rds %s: snapshot %s %s%s after %s (status check %d)", source.describe(), id,
                                s.status(), s.progress() == null ? "" : " (" + s.progress() + "%)",
                                Durations.format(roundToSeconds(elapsed)), attempt);
                    }
                })
                .build()
                .run();
        if (result.matched() == Waiter.Matched.FAILURE) {
            throw new EnvironmentException("RDS snapshot '" + id + "' of " + source.describe() + " ended in " + result.message()
                    + " after " + Durations.format(roundToSeconds(result.elapsed())) + " (" + result.attempts()
                    + " status checks): it is not usable; see the RDS events of " + source.identifier());
        }
        if (result.matched() == Waiter.Matched.TIMEOUT) {
            Snap last = result.last();
            throw new EnvironmentException("RDS snapshot '" + id + "' of " + source.describe() + " was still '" + last.status() + "'"
                    + (last.progress() == null ? "" : " (" + last.progress() + "%)") + " when the timeout of "
                    + Durations.format(request.timeout()) + " passed (" + result.attempts() + " status checks at "
                    + access.rdsEndpointForMessages() + "). RDS goes on creating it: raise --timeout, or run again with --snapshot-id "
                    + id + " to wait for the same snapshot");
        }
        return result;
    }

    private List<SnapshotResult.PrunedSnapshot> prune(RdsSnapshotRequest request, Side side, String keepId) {
        RdsSnapshotRequest.Source source = request.source();
        List<Snap> mine = side.managedSnapshots().stream().filter(s -> !s.id().equals(keepId)).toList();
        List<SnapshotResult.PrunedSnapshot> pruned = new ArrayList<>();
        for (Snap s : Retention.toPrune(mine, Snap::createdAt, request.retain())) {
            if (!"available".equals(s.status())) {
                listener.line("[dbSnapshot] rds %s: keeping %s for now: it is '%s', not 'available'", source.describe(), s.id(), s.status());
                continue;
            }
            side.delete(s.id());
            listener.line("[dbSnapshot] rds %s: pruned snapshot %s (taken %s; keeping the newest %d)", source.describe(), s.id(),
                    s.createdAt(), request.retain());
            audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_PRUNED, request.labels().service())
                    .environment(request.labels().environment())
                    .target(s.arn())
                    .reason("retain " + request.retain() + ": older than the newest " + request.retain()
                            + " Release Pilot snapshots of " + source.describe())
                    .detail("engine", "rds")
                    .detail("snapshotId", s.id())
                    .detail("source", sourceDetail(source))
                    .detail("takenAt", s.createdAt() == null ? null : s.createdAt().toString())
                    .build(), origin);
            pruned.add(new SnapshotResult.PrunedSnapshot(s.id(), s.arn(), s.createdAt()));
        }
        return pruned;
    }

    private static String sourceDetail(RdsSnapshotRequest.Source source) {
        return (source.kind() == RdsSnapshotRequest.Source.Kind.INSTANCE ? "instance/" : "cluster/") + source.identifier();
    }

    private static boolean isOurs(Snap s, Side side) {
        return SnapshotLabels.MANAGED_BY_VALUE.equals(s.tags().get(SnapshotLabels.MANAGED_BY_KEY))
                && side.identifier().equalsIgnoreCase(s.sourceId());
    }

    private static List<Tag> tags(SnapshotLabels labels) {
        return labels.tags().entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    private static Duration roundToSeconds(Duration d) {
        return Duration.ofSeconds(d.toSeconds());
    }

    @Override
    public void close() {
        rds.close();
    }

    /** A snapshot as this class needs it, whether of an instance or a cluster. */
    record Snap(String id, String arn, String status, String sourceId, Instant createdAt, Integer progress, Map<String, String> tags) {
        static Snap of(DBSnapshot s) {
            return new Snap(s.dbSnapshotIdentifier(), s.dbSnapshotArn(), s.status(), s.dbInstanceIdentifier(), s.snapshotCreateTime(),
                    s.percentProgress(), tagMap(s.tagList()));
        }

        static Snap of(DBClusterSnapshot s) {
            return new Snap(s.dbClusterSnapshotIdentifier(), s.dbClusterSnapshotArn(), s.status(), s.dbClusterIdentifier(),
                    s.snapshotCreateTime(), s.percentProgress(), tagMap(s.tagList()));
        }

        private static Map<String, String> tagMap(List<Tag> tags) {
            Map<String, String> map = new java.util.HashMap<>();
            for (Tag t : tags) {
                if (t.key() != null && t.value() != null) {
                    map.put(t.key(), t.value());
                }
            }
            return map;
        }
    }

    /** The calls that differ between a DB instance and an Aurora cluster, each with RDS errors turned into messages. */
    private abstract class Side {
        abstract String identifier();

        abstract String sourceStatus();

        /** Requests the snapshot; {@code sourceStatus} is what the source was just seen as, for messages. */
        abstract Snap create(String id, List<Tag> tags, String sourceStatus);

        /** The snapshot of that name, or null if there is none. */
        abstract Snap describe(String id);

        /** This tool's manual snapshots of this source (by the managed-by tag). */
        abstract List<Snap> managedSnapshots();

        abstract void delete(String id);

        <T> T call(String operation, Supplier<T> call) {
            try {
                return call.get();
            } catch (SdkClientException e) {
                LOG.log(Level.FINE, operation + " failed", e);
                throw new EnvironmentException("cannot reach RDS at " + access.rdsEndpointForMessages() + " (" + operation + " for "
                        + what() + "): " + e.getMessage(), e);
            } catch (AwsServiceException e) {
                if (HANDLED_BY_CALLER.stream().anyMatch(type -> type.isInstance(e))) {
                    throw e;
                }
                LOG.log(Level.FINE, operation + " failed", e);
                String code = e.awsErrorDetails() == null ? String.valueOf(e.statusCode()) : e.awsErrorDetails().errorCode();
                String why = e.isThrottlingException()
                        ? "RDS kept throttling " + operation + " for " + what() + " after " + AwsAccess.MAX_API_ATTEMPTS
                        + " attempts with backoff (" + code + ")"
                        : "RDS refused " + operation + " for " + what() + " (" + code + "): " + message(e);
                throw new EnvironmentException(why + " [endpoint " + access.rdsEndpointForMessages() + ", region " + access.region() + "]", e);
            } catch (SdkException e) {
                throw new EnvironmentException("RDS " + operation + " for " + what() + " failed: " + e.getMessage(), e);
            }
        }

        private String what() {
            return (this instanceof InstanceSide ? "DB instance '" : "DB cluster '") + identifier() + "'";
        }

        EnvironmentException notFound(AwsServiceException e) {
            return new EnvironmentException("RDS " + what() + " was not found in region " + access.region()
                    + " (with the credentials used): check --" + (this instanceof InstanceSide ? "instance" : "cluster")
                    + " and --region [endpoint " + access.rdsEndpointForMessages() + "]", e);
        }

        EnvironmentException quota(AwsServiceException e, String operation) {
            return new EnvironmentException("RDS refused " + operation + " for " + what() + ": the account's quota of manual snapshots in region "
                    + access.region() + " is used up (SnapshotQuotaExceeded). Delete manual snapshots you no longer need, "
                    + "or use --retain so Release Pilot prunes its own; nothing was created", e);
        }

        EnvironmentException invalidState(AwsServiceException e, String operation, String status) {
            return new EnvironmentException("RDS " + what() + " cannot be snapshotted now: it is '" + status
                    + "', and RDS takes snapshots only when it is 'available' (" + operation + ": " + message(e)
                    + "). Wait until it is available and run again; nothing was created", e);
        }

        private String message(AwsServiceException e) {
            return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null ? e.awsErrorDetails().errorMessage() : e.getMessage();
        }
    }

    private final class InstanceSide extends Side {
        private final String instance;

        InstanceSide(String instance) {
            this.instance = instance;
        }

        @Override
        String identifier() {
            return instance;
        }

        @Override
        String sourceStatus() {
            try {
                return call("DescribeDBInstances", () -> rds.describeDBInstances(r -> r.dbInstanceIdentifier(instance)))
                        .dbInstances().stream().findFirst()
                        .map(i -> i.dbInstanceStatus())
                        .orElseThrow(() -> notFound(null));
            } catch (DbInstanceNotFoundException e) {
                throw notFound(e);
            }
        }

        @Override
        Snap create(String id, List<Tag> tags, String sourceStatus) {
            try {
                return Snap.of(call("CreateDBSnapshot", () -> rds.createDBSnapshot(r -> r.dbInstanceIdentifier(instance)
                        .dbSnapshotIdentifier(id).tags(tags))).dbSnapshot());
            } catch (DbInstanceNotFoundException e) {
                throw notFound(e);
            } catch (InvalidDbInstanceStateException e) {
                throw invalidState(e, "CreateDBSnapshot", sourceStatus);
            } catch (SnapshotQuotaExceededException e) {
                throw quota(e, "CreateDBSnapshot");
            }
        }

        @Override
        Snap describe(String id) {
            try {
                return call("DescribeDBSnapshots", () -> rds.describeDBSnapshots(r -> r.dbSnapshotIdentifier(id)))
                        .dbSnapshots().stream().findFirst().map(Snap::of).orElse(null);
            } catch (DbSnapshotNotFoundException e) {
                return null;
            }
        }

        @Override
        List<Snap> managedSnapshots() {
            return call("DescribeDBSnapshots", () -> rds.describeDBSnapshotsPaginator(r -> r.dbInstanceIdentifier(instance).snapshotType("manual"))
                    .dbSnapshots().stream().map(Snap::of).filter(s -> isOurs(s, this)).toList());
        }

        @Override
        void delete(String id) {
            try {
                call("DeleteDBSnapshot", () -> rds.deleteDBSnapshot(r -> r.dbSnapshotIdentifier(id)));
            } catch (DbSnapshotNotFoundException alreadyGone) {
                LOG.fine(() -> "snapshot " + id + " was already deleted");
            }
        }
    }

    private final class ClusterSide extends Side {
        private final String cluster;

        ClusterSide(String cluster) {
            this.cluster = cluster;
        }

        @Override
        String identifier() {
            return cluster;
        }

        @Override
        String sourceStatus() {
            try {
                return call("DescribeDBClusters", () -> rds.describeDBClusters(r -> r.dbClusterIdentifier(cluster)))
                        .dbClusters().stream().findFirst()
                        .map(c -> c.status())
                        .orElseThrow(() -> notFound(null));
            } catch (DbClusterNotFoundException e) {
                throw notFound(e);
            }
        }

        @Override
        Snap create(String id, List<Tag> tags, String sourceStatus) {
            try {
                return Snap.of(call("CreateDBClusterSnapshot", () -> rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster)
                        .dbClusterSnapshotIdentifier(id).tags(tags))).dbClusterSnapshot());
            } catch (DbClusterNotFoundException e) {
                throw notFound(e);
            } catch (InvalidDbClusterStateException e) {
                throw invalidState(e, "CreateDBClusterSnapshot", sourceStatus);
            } catch (SnapshotQuotaExceededException e) {
                throw quota(e, "CreateDBClusterSnapshot");
            }
        }

        @Override
        Snap describe(String id) {
            try {
                return call("DescribeDBClusterSnapshots", () -> rds.describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(id)))
                        .dbClusterSnapshots().stream().findFirst().map(Snap::of).orElse(null);
            } catch (DbClusterSnapshotNotFoundException e) {
                return null;
            }
        }

        @Override
        List<Snap> managedSnapshots() {
            return call("DescribeDBClusterSnapshots", () -> rds.describeDBClusterSnapshotsPaginator(r -> r.dbClusterIdentifier(cluster)
                    .snapshotType("manual")).dbClusterSnapshots().stream().map(Snap::of).filter(s -> isOurs(s, this)).toList());
        }

        @Override
        void delete(String id) {
            try {
                call("DeleteDBClusterSnapshot", () -> rds.deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(id)));
            } catch (DbClusterSnapshotNotFoundException alreadyGone) {
                LOG.fine(() -> "cluster snapshot " + id + " was already deleted");
            }
        }
    }
}
