package io.releasepilot.engine.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.ActStateStore;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
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
 * <p>A host {@link #start starts} it for a run id and gets an {@link ActHandle}: the wait polls on
 * the {@link ActScheduler}, holding no thread. The snapshot id and the absolute deadline are
 * recorded in the act-state table first, so the same run id started again or
 * {@link #resume resumed} after a restart converges: the snapshot of that id is described before
 * anything is created; one this run made (its {@code release-pilot:run} tag), or one this tool
 * made for the same database, is reused and waited for, never created twice; anyone else's
 * snapshot of that name is left alone and reported.
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

    private static final String KIND = "dbSnapshot-rds";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RdsClient rds;
    private final AwsAccess access;
    private final AuditStore audit;
    private final ActStateStore states;
    private final Origin origin;
    private final ProgressListener listener;
    private final Backoff backoff;
    private final Waiter.Clock clock;
    private final Supplier<Instant> now;
    private final ScheduledExecutorService scheduler;

    private RdsSnapshotter(RdsClient rds, AwsAccess access, AuditStore audit, Origin origin, ProgressListener listener,
                           Backoff backoff, Waiter.Clock clock, Supplier<Instant> now, ScheduledExecutorService scheduler) {
        this.rds = rds;
        this.access = access;
        this.audit = Objects.requireNonNull(audit, "audit");
        this.states = audit.actState();
        this.origin = Objects.requireNonNull(origin, "origin");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.backoff = backoff;
        this.clock = clock;
        this.now = now;
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /** A snapshotter for the account and region {@code access} names; no call is made yet. */
    public static RdsSnapshotter connect(AwsAccess access, AuditStore audit, Origin origin, ProgressListener listener) {
        return new RdsSnapshotter(access.rdsClient(), access, audit, origin, listener, Backoff.SNAPSHOT, Waiter.Clock.SYSTEM, Instant::now,
                ActScheduler.shared());
    }

    /** The same snapshotter, pausing between status checks by {@code backoff}. */
    public RdsSnapshotter withBackoff(Backoff backoff) {
        return new RdsSnapshotter(rds, access, audit, origin, listener, Objects.requireNonNull(backoff, "backoff"), clock, now, scheduler);
    }

    /** The same snapshotter, polling on a host's own scheduler instead of {@link ActScheduler#shared()}. */
    public RdsSnapshotter withScheduler(ScheduledExecutorService value) {
        return new RdsSnapshotter(rds, access, audit, origin, listener, backoff, clock, now, value);
    }

    /** Takes the snapshot, waits for it on the calling thread, applies retention; returns its ARN as the location. */
    public SnapshotResult snapshot(RdsSnapshotRequest request, RunId run) throws InterruptedException {
        return start(request, run).await();
    }

    /**
     * Starts the snapshot and returns a handle for the wait until it is {@code available}.
     * Synchronously: the source is checked, the snapshot id (from service, environment, release
     * and run id by default) and the absolute deadline are recorded in the act-state table, and
     * the snapshot of that id is described first: one this run (or Release Pilot, for the same
     * source) made is reused, never created twice; otherwise it is created. The same run id
     * started again, or {@link #resume resumed} after a restart, continues with the recorded id
     * and deadline. A dry run completes at once.
     */
    public ActHandle<SnapshotResult> start(RdsSnapshotRequest request, RunId run) {
        Objects.requireNonNull(run, "run");
        RdsSnapshotRequest.Source source = request.source();
        Side side = source.kind() == RdsSnapshotRequest.Source.Kind.INSTANCE ? new InstanceSide(source.identifier())
                : new ClusterSide(source.identifier());
        if (request.dryRun()) {
            return Wait.completed(run, now.get(), dryRun(request, side, SnapshotIds.rds(request.template(), request.labels(), run, now.get())));
        }
        RdsState state = states.load(run).map(json -> parse(run, json)).orElse(null);
        if (state != null && !state.matches(request)) {
            throw new InvalidInputException("run id", run.value(), "a run id not used by another act; it was recorded for a snapshot of "
                    + state.sourceKind.name().toLowerCase(java.util.Locale.ROOT) + "/" + state.sourceId);
        }
        if (state != null && state.phase == RdsPhase.ENDED) {
            return Wait.recorded(run, state, access.region());
        }
        if (state == null) {
            Instant started = now.get();
            state = RdsState.of(request, SnapshotIds.rds(request.template(), request.labels(), run, started), started);
            save(run, state);
        } else {
            listener.line("[dbSnapshot] rds %s: continuing run %s: snapshot %s, deadline %s", source.describe(), run, state.snapshotId,
                    Instant.ofEpochMilli(state.deadlineMs));
        }
        String id = state.snapshotId;
        Snap snap;
        try {
            String status = side.sourceStatus();
            snap = side.describe(id);
            if (snap == null) {
                listener.line("[dbSnapshot] rds %s (%s, region %s): creating snapshot %s", source.describe(), status, access.region(), id);
                snap = create(request, run, side, id, status);
            } else {
                snap = adopt(request, run, side, snap, null);
            }
        } catch (EnvironmentException e) {
            recordFailure(request, id, e.getMessage(), Outcome.FAILED);
            end(run, state, null, e.getMessage());
            throw e;
        }
        Wait wait = new Wait(request, run, side, snap, state);
        wait.begin();
        return wait;
    }

    /**
     * Rebuilds the handle of a snapshot this run started, after the host restarted: the same
     * snapshot id and the same deadline, described first (it is never created twice).
     */
    public ActHandle<SnapshotResult> resume(RunId run) {
        RdsState state = states.load(run).map(json -> parse(run, json))
                .orElseThrow(() -> new InvalidInputException("run id", run.value(),
                        "the run id of an RDS snapshot that was started; none is recorded for it in " + audit.location()));
        return start(state.request(), run);
    }

    /** The recorded state of this kind of act, or a refusal naming the act the run id belongs to. */
    private static RdsState parse(RunId run, String json) {
        try {
            String kind = JSON.readTree(json).path("kind").asText();
            if (!KIND.equals(kind)) {
                throw new InvalidInputException("run id", run.value(), "a run id not used by another act; it was recorded for " + kind);
            }
            return JSON.readValue(json, RdsState.class);
        } catch (IOException e) {
            throw new EnvironmentException("the recorded state of an RDS snapshot cannot be read (" + e.getMessage() + "): " + json, e);
        }
    }

    private void save(RunId run, RdsState state) {
        try {
            states.save(run, JSON.writeValueAsString(state));
        } catch (IOException e) {
            throw new IllegalStateException("a snapshot's state is plain data and always serialises", e);
        }
    }

    private void end(RunId run, RdsState state, String arn, String failure) {
        state.phase = RdsPhase.ENDED;
        state.arn = arn;
        state.message = failure;
        save(run, state);
    }

    private void recordFailure(RdsSnapshotRequest request, String id, String reason, Outcome outcome) {
        audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_CREATED, request.labels().service())
                .environment(request.labels().environment())
                .release(request.labels().release())
                .target(id)
                .outcome(outcome)
                .reason(reason)
                .detail("engine", "rds")
                .detail("source", sourceDetail(request.source()))
                .detail("region", access.region())
                .build(), origin);
    }

    /** Where a recorded RDS snapshot run is. */
    enum RdsPhase { WAITING, ENDED }

    /** What is recorded for one run: the request (no secret is in it), the chosen id, the deadline, how it ended. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class RdsState {
        public String kind;
        public RdsSnapshotRequest.Source.Kind sourceKind;
        public String sourceId;
        public String service;
        public String environment;
        public String release;
        public String build;
        public Integer retain;
        public long timeoutMs;
        public String snapshotId;
        public long startedAtMs;
        public long deadlineMs;
        public RdsPhase phase;
        public String arn;
        public String message;

        static RdsState of(RdsSnapshotRequest request, String id, Instant started) {
            RdsState s = new RdsState();
            s.kind = KIND;
            s.sourceKind = request.source().kind();
            s.sourceId = request.source().identifier();
            s.service = request.labels().service();
            s.environment = request.labels().environment();
            s.release = request.labels().release();
            s.build = request.labels().build();
            s.retain = request.retain();
            s.timeoutMs = request.timeout().toMillis();
            s.snapshotId = id;
            s.startedAtMs = started.toEpochMilli();
            s.deadlineMs = started.plus(request.timeout()).toEpochMilli();
            s.phase = RdsPhase.WAITING;
            return s;
        }

        boolean matches(RdsSnapshotRequest request) {
            return sourceKind == request.source().kind() && sourceId.equals(request.source().identifier())
                    && service.equals(request.labels().service()) && Objects.equals(environment, request.labels().environment())
                    && Objects.equals(release, request.labels().release());
        }

        /** The request as it was started; the template is the id it gave then. */
        RdsSnapshotRequest request() {
            return new RdsSnapshotRequest(new RdsSnapshotRequest.Source(sourceKind, sourceId), snapshotId,
                    new SnapshotLabels(service, environment, release, build), retain, Duration.ofMillis(timeoutMs), false);
        }
    }

    /** The wait for one snapshot: polls on the scheduler, then records and prunes. */
    private final class Wait implements ActHandle<SnapshotResult> {
        private final RdsSnapshotRequest request;
        private final RunId run;
        private final Side side;
        private final Snap first;
        private final RdsState state;
        private final CompletableFuture<SnapshotResult> completion = new CompletableFuture<>();
        private volatile Snap last;
        private volatile CompletableFuture<Waiter.Result<Snap>> polls;

        Wait(RdsSnapshotRequest request, RunId run, Side side, Snap first, RdsState state) {
            this.request = request;
            this.run = run;
            this.side = side;
            this.first = first;
            this.state = state;
            this.last = first;
        }

        void begin() {
            Duration left = Duration.between(now.get(), deadline());
            String id = first.id();
            RdsSnapshotRequest.Source source = request.source();
            boolean[] firstPoll = {true};
            polls = Waiter.<Snap>builder(() -> {
                        if (firstPoll[0]) {
                            firstPoll[0] = false;
                            return first;
                        }
                        Snap s = side.describe(id);
                        last = s != null ? s : new Snap(id, first.arn(), "deleted", first.sourceId(), first.createdAt(), null, Map.of());
                        return last;
                    })
                    .succeedWhen(s -> "available".equals(s.status()), s -> "available")
                    .failWhen(s -> FAILED_STATES.contains(s.status()), s -> "status '" + s.status() + "'")
                    .retryWhen(s -> true, s -> "status '" + s.status() + "'")
                    .backoff(backoff)
                    .timeout(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left)
                    .clock(clock)
                    .onAttempt((attempt, s, elapsed) -> {
                        if (attempt > 1 && !"available".equals(s.status())) {
                            listener.line("[dbSnapshot] rds %s: snapshot %s %s%s after %s (status check %d)", source.describe(), id,
                                    s.status(), s.progress() == null ? "" : " (" + s.progress() + "%)",
                                    Durations.format(roundToSeconds(elapsed)), attempt);
                        }
                    })
                    .build()
                    .schedule(scheduler);
            polls.whenComplete((result, failure) -> {
                if (failure instanceof CancellationException) {
                    return; // stop() cancelled the polls and completes the handle itself
                }
                try {
                    if (failure != null) {
                        throw failure instanceof RuntimeException r ? r : new EnvironmentException(failure.getMessage(), failure);
                    }
                    completion.complete(finish(result));
                } catch (RuntimeException e) {
                    if (!completion.isDone()) {
                        completion.completeExceptionally(e);
                    }
                }
            });
        }

        private SnapshotResult finish(Waiter.Result<Snap> waited) {
            String id = first.id();
            RdsSnapshotRequest.Source source = request.source();
            if (waited.matched() != Waiter.Matched.SUCCESS) {
                String message = waited.matched() == Waiter.Matched.FAILURE
                        ? "RDS snapshot '" + id + "' of " + source.describe() + " ended in " + waited.message()
                        + " after " + Durations.format(roundToSeconds(waited.elapsed())) + " (" + waited.attempts()
                        + " status checks): it is not usable; see the RDS events of " + source.identifier()
                        : "RDS snapshot '" + id + "' of " + source.describe() + " was still '" + waited.last().status() + "'"
                        + (waited.last().progress() == null ? "" : " (" + waited.last().progress() + "%)") + " when the timeout of "
                        + Durations.format(request.timeout()) + " passed (" + waited.attempts() + " status checks at "
                        + access.rdsEndpointForMessages() + "). RDS goes on creating it: raise --timeout, or run again with --snapshot-id "
                        + id + " to wait for the same snapshot";
                recordFailure(request, id, message, Outcome.FAILED);
                end(run, state, null, message);
                throw new EnvironmentException(message);
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
            end(run, state, done.arn(), null);
            List<SnapshotResult.PrunedSnapshot> pruned = request.retain() == null ? List.of() : prune(request, side, id);
            return new SnapshotResult(SnapshotEngine.RDS, id, done.arn(), true, waited.attempts(), waited.elapsed(), pruned,
                    Map.of("source", sourceDetail(source), "region", access.region()));
        }

        @Override
        public RunId runId() {
            return run;
        }

        @Override
        public Instant deadline() {
            return Instant.ofEpochMilli(state.deadlineMs);
        }

        @Override
        public String status() {
            Snap s = last;
            Duration left = Duration.between(now.get(), deadline());
            return "dbSnapshot " + request.source().describe() + ": snapshot " + first.id() + " " + s.status()
                    + (s.progress() == null ? "" : " (" + s.progress() + "%)") + ", "
                    + (left.isNegative() ? "0s" : Durations.format(roundToSeconds(left))) + " left";
        }

        @Override
        public CompletableFuture<SnapshotResult> completion() {
            return completion;
        }

        /**
         * Stops waiting; RDS goes on creating the snapshot. Recorded as CANCELLED, and the run is
         * left WAITING, so the same run id started again waits for the same snapshot.
         */
        @Override
        public void stop(String reason) {
            CompletableFuture<Waiter.Result<Snap>> p = polls;
            if (completion.isDone() || p == null || !p.cancel(false)) {
                return;
            }
            String message = "stopped waiting for RDS snapshot '" + first.id() + "' of " + request.source().describe() + " (" + reason
                    + "); RDS goes on creating it: the same run id resumes the wait";
            listener.line("[dbSnapshot] rds %s: %s", request.source().describe(), message);
            ActCancelledException cancelled = new ActCancelledException(message);
            try {
                recordFailure(request, first.id(), message, Outcome.CANCELLED);
            } catch (RuntimeException e) {
                cancelled.addSuppressed(e);
            }
            completion.completeExceptionally(cancelled);
        }

        /** A handle for what is already decided: a dry run. */
        static ActHandle<SnapshotResult> completed(RunId run, Instant at, SnapshotResult result) {
            return new Done(run, at, CompletableFuture.completedFuture(result), "dry run");
        }

        /** A handle for a run that ended before: the same end again. */
        static ActHandle<SnapshotResult> recorded(RunId run, RdsState state, String region) {
            CompletableFuture<SnapshotResult> end = state.arn != null
                    ? CompletableFuture.completedFuture(new SnapshotResult(SnapshotEngine.RDS, state.snapshotId, state.arn, true, 0,
                    Duration.ZERO, List.of(), Map.of("source", (state.sourceKind == RdsSnapshotRequest.Source.Kind.INSTANCE ? "instance/"
                    : "cluster/") + state.sourceId, "region", region)))
                    : CompletableFuture.failedFuture(new EnvironmentException(state.message));
            return new Done(run, Instant.ofEpochMilli(state.deadlineMs), end, "ended");
        }
    }

    /** A handle whose act has ended. */
    private record Done(RunId runId, Instant deadline, CompletableFuture<SnapshotResult> completion, String what)
            implements ActHandle<SnapshotResult> {
        @Override
        public String status() {
            return "dbSnapshot: " + what;
        }

        @Override
        public void stop(String reason) {
            // nothing runs: the act has ended
        }
    }

    private Snap adopt(RdsSnapshotRequest request, RunId run, Side side, Snap existing, RuntimeException raceCause) {
        String id = existing.id();
        if (isOurs(existing, side)) {
            boolean thisRun = SnapshotIds.runToken(request.labels(), run).equals(existing.tags().get(SnapshotLabels.RUN_KEY));
            listener.line("[dbSnapshot] rds %s: snapshot %s already exists (taken by %s, %s): waiting for it",
                    request.source().describe(), id, thisRun ? "this run" : "Release Pilot for it", existing.status());
            return existing;
        }
        throw new EnvironmentException("RDS snapshot '" + id + "' already exists"
                + " (of '" + existing.sourceId() + "', not taken by Release Pilot for " + request.source().describe() + ")"
                + ": choose another --snapshot-id; the existing snapshot was left alone", raceCause);
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

    private Snap create(RdsSnapshotRequest request, RunId run, Side side, String id, String sourceStatus) {
        try {
            return side.create(id, tags(request.labels(), run), sourceStatus);
        } catch (DbSnapshotAlreadyExistsException | DbClusterSnapshotAlreadyExistsException e) {
            // made between our describe and create: another process of this run, or someone else
            Snap existing = side.describe(id);
            if (existing == null) {
                throw new EnvironmentException("RDS snapshot '" + id + "' already exists but cannot be described: choose another "
                        + "--snapshot-id; the existing snapshot was left alone", e);
            }
            return adopt(request, run, side, existing, e);
        }
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

    /** The labels' tags and the run's token, by which a re-run knows the snapshot it made. */
    private static List<Tag> tags(SnapshotLabels labels, RunId run) {
        List<Tag> tags = new ArrayList<>(labels.tags().entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList());
        tags.add(Tag.builder().key(SnapshotLabels.RUN_KEY).value(SnapshotIds.runToken(labels, run)).build());
        return tags;
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
