package io.releasepilot.engine.alert;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.ActStateStore;
import io.releasepilot.engine.act.HostBody;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * rollbackOnAlert: observes a source every {@code interval} and, once a selected alert has been
 * firing for {@code failureLimit} observations in a row, sets canary traffic to 0 at once,
 * stops the guarded body (if any), records {@code ALERT_FIRED} and rolls back. A source that
 * cannot answer is an errored observation counted against {@code errorLimit}, never a crash.
 *
 * <p>A host {@link #start starts} a watch for a window, or {@link #guard guards} its own body
 * ({@link HostBody}: a Pipeline block, a command) while it runs. Either returns an
 * {@link ActHandle} at once: observations are polls on the {@link ActScheduler}, no thread waits.
 * The watch's start, deadline, counts and phase are saved in the {@link ActStateStore} after
 * every observation, so a host that restarts {@link #resume resumes} the same window, and a run
 * that already ended resumes to the same end. A {@link Wakeup} shared with a push receiver
 * (the {@link AlertmanagerWebhook}) asks for an observation without waiting for the next tick.
 */
public final class AlertWatch {

    /** More firing alerts than this are summed up in one line rather than audited one by one. */
    private static final int MAX_AUDITED_ALERTS = 20;
    private static final String KIND = "rollbackOnAlert";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditStore store;
    private final ActStateStore states;
    private final Origin origin;
    private final ProgressListener progress;
    private final Wakeup wakeup;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;

    /** A watch service recording in {@code store} and keeping its state in the store's act-state table. */
    public AlertWatch(AuditStore store, Origin origin, ProgressListener progress) {
        this(store, store.actState(), origin, progress, new Wakeup(), ActScheduler.shared(), Clock.systemUTC());
    }

    private AlertWatch(AuditStore store, ActStateStore states, Origin origin, ProgressListener progress, Wakeup wakeup,
                       ScheduledExecutorService scheduler, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.states = Objects.requireNonNull(states, "states");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The same service, woken by {@code value} (shared with an {@link AlertmanagerWebhook} started before the watch). */
    public AlertWatch withWakeup(Wakeup value) {
        return new AlertWatch(store, states, origin, progress, value, scheduler, clock);
    }

    /** The same service, polling on a host's own scheduler instead of {@link ActScheduler#shared()}. */
    public AlertWatch withScheduler(ScheduledExecutorService value) {
        return new AlertWatch(store, states, origin, progress, wakeup, value, clock);
    }

    /**
     * Watches for the window. The handle completes with a {@link WatchReport} when the window
     * ends quietly; exceptionally with {@link DeploymentFailedException} after a rollback,
     * {@link EnvironmentException} when the source kept failing and on-error is {@code fail}.
     * Starting a run id that was started before continues that run, as {@link #resume} does.
     */
    public ActHandle<WatchReport> start(WatchRequest request, RunId run) {
        return begin(request, run, null, false);
    }

    /**
     * Observes while the host's {@code body} runs: the body ending ends the watch (the handle
     * completes with the body's result, or with its failure); an alert rolls back, stops the
     * body with the reason and completes the handle with a {@link DeploymentFailedException}
     * naming the alert, its labels and since when it fired. The window bounds how long the body
     * may run.
     */
    public ActHandle<WatchReport> guard(WatchRequest request, RunId run, HostBody body) {
        return begin(request, run, Objects.requireNonNull(body, "body"), false);
    }

    /**
     * Rebuilds the handle of a watch started with this run id, after the host restarted: the
     * same window (its recorded deadline), the counts so far, a rollback the restart interrupted
     * finished. The host gives the same request again (its source and target hold secrets and
     * connections, which are never recorded).
     */
    public ActHandle<WatchReport> resume(WatchRequest request, RunId run) {
        return begin(request, run, null, true);
    }

    /** {@link #resume} for a guarded body: {@code body} is the host's body, still running or resumed itself. */
    public ActHandle<WatchReport> resumeGuard(WatchRequest request, RunId run, HostBody body) {
        return begin(request, run, Objects.requireNonNull(body, "body"), true);
    }

    private ActHandle<WatchReport> begin(WatchRequest request, RunId run, HostBody body, boolean mustExist) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(run, "run");
        try {
            return open(request, run, body, mustExist);
        } catch (RuntimeException e) {
            // a body the host already started must not run on unwatched
            if (body != null) {
                body.stop(e);
            }
            throw e;
        }
    }

    private ActHandle<WatchReport> open(WatchRequest request, RunId run, HostBody body, boolean mustExist) {
        WatchState recorded = states.load(run).map(json -> parse(run, json)).orElse(null);
        if (recorded == null && mustExist) {
            throw new InvalidInputException("run id", run.value(), "the run id of a watch that was started; none is recorded for it in "
                    + store.location());
        }
        Watch watch;
        if (recorded != null) {
            if (!request.fingerprint().equals(recorded.fingerprint) || recorded.guarded != (body != null)) {
                throw new InvalidInputException("run id", run.value(), "a run id not used by another act; it was recorded for "
                        + (recorded.guarded ? "a guarded watch of " : "a watch of ") + recorded.fingerprint);
            }
            watch = new Watch(request, run, body, recorded);
            watch.resumeRecorded();
        } else {
            checkSource(request);
            Instant now = clock.instant();
            WatchState state = new WatchState();
            state.kind = KIND;
            state.fingerprint = request.fingerprint();
            state.guarded = body != null;
            state.startedAtMs = now.toEpochMilli();
            state.deadlineMs = now.plus(request.options().window()).toEpochMilli();
            state.phase = Phase.WATCHING;
            watch = new Watch(request, run, body, state);
            watch.save();
            watch.beginWatching(false);
        }
        return watch;
    }

    /** Lets the server reject what it is asked (invalid input) before anything is watched. */
    private void checkSource(WatchRequest request) {
        try {
            request.source().check();
        } catch (AlertSourceException e) {
            progress.line("[rollbackOnAlert] %s: could not check the source before watching (%s); its errors count as observations",
                    request.target().describe(), e.getMessage());
        }
    }

    /** The recorded state of a watch, or a refusal naming the act the run id belongs to. */
    private static WatchState parse(RunId run, String json) {
        try {
            String kind = JSON.readTree(json).path("kind").asText();
            if (!KIND.equals(kind)) {
                throw new InvalidInputException("run id", run.value(), "a run id not used by another act; it was recorded for " + kind);
            }
            return JSON.readValue(json, WatchState.class);
        } catch (IOException e) {
            throw new EnvironmentException("the recorded state of a watch cannot be read (" + e.getMessage() + "): " + json, e);
        }
    }

    /** Where a watch is: what is saved after every observation. */
    enum Phase { WATCHING, TRIGGERED, ENDED }

    /** How a watch ended, as recorded. */
    enum End { QUIET, ROLLED_BACK, SOURCE_FAILED, BODY_FAILED, CANCELLED, FAILED }

    /** The recorded state of one run; public fields for Jackson, written only under the watch's lock. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class WatchState {
        public String kind;
        public String fingerprint;
        public boolean guarded;
        public long startedAtMs;
        public long deadlineMs;
        public int observations;
        public int errors;
        public int errorsInARow;
        public int firingInARow;
        public Long firstFiringMs;
        public Phase phase;
        /** Why the watch triggered, once it did. */
        public String reason;
        /** Whether ALERT_FIRED is in the audit trail, so a resumed rollback does not record it twice. */
        public boolean alertRecorded;
        public End end;
        public String message;
        public Long watchedMs;
    }

    /** One run of a watch: its handle and its polls. */
    private final class Watch implements ActHandle<WatchReport> {

        private final WatchRequest request;
        private final RunId run;
        private final HostBody body;
        private final WatchState state;
        private final RollbackTarget target;
        private final WatchOptions options;
        private final CompletableFuture<WatchReport> completion = new CompletableFuture<>();
        private Wakeup.Registration listening;
        private ScheduledFuture<?> next;
        private String lastSeen = "no observation yet";
        private boolean bodyEnded;
        private Object bodyResult;
        private Throwable bodyFailure;

        Watch(WatchRequest request, RunId run, HostBody body, WatchState state) {
            this.request = request;
            this.run = run;
            this.body = body;
            this.state = state;
            this.target = request.target();
            this.options = request.options();
        }

        /** Continues a recorded run from its phase. */
        synchronized void resumeRecorded() {
            switch (state.phase) {
                case ENDED -> completeAsRecorded();
                case TRIGGERED -> {
                    say("resuming the rollback a restart interrupted: %s", state.reason);
                    if (body != null) {
                        body.stop(new DeploymentFailedException("rolled back " + target.describe() + ": " + state.reason));
                    }
                    rollBack(state.reason, null, null, null);
                }
                case WATCHING -> beginWatching(true);
            }
        }

        synchronized void beginWatching(boolean resumed) {
            if (resumed) {
                Duration left = Duration.between(clock.instant(), Instant.ofEpochMilli(state.deadlineMs));
                say("resuming the watch started at %s: %d observation(s) so far, %s of the window left", time(Instant.ofEpochMilli(state.startedAtMs)),
                        state.observations, left.isNegative() ? "none" : Durations.format(left.truncatedTo(ChronoUnit.SECONDS)));
            } else {
                say("watching %s %s every %s; rolling back after %d firing observation(s) in a row; after %d source error(s) in a row: %s",
                        request.source().describe(), body == null ? "for " + Durations.format(options.window()) : "while " + body.describe() + " runs",
                        Durations.format(options.interval()), options.failureLimit(), options.errorLimit(), options.onError().text());
            }
            listening = wakeup.listen(this::observeSoon);
            if (body != null) {
                body.completion().whenComplete((value, failure) -> {
                    synchronized (this) {
                        bodyEnded = true;
                        bodyResult = value;
                        bodyFailure = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    }
                    observeSoon();
                });
            }
            next = scheduler.schedule(this::observeSafely, 0, TimeUnit.MILLISECONDS);
        }

        private void observeSoon() {
            scheduler.execute(this::observeSafely);
        }

        private void observeSafely() {
            try {
                observe();
            } catch (RuntimeException e) {
                synchronized (this) {
                    if (state.phase == Phase.WATCHING) {
                        say("watch failed: %s", e.getMessage());
                        stopBody(e);
                        end(End.FAILED, e, null);
                    }
                }
            }
        }

        private synchronized void observe() {
            if (state.phase != Phase.WATCHING) {
                return;
            }
            if (bodyEnded) {
                endWithBody();
                return;
            }
            Instant now = clock.instant();
            Instant deadline = Instant.ofEpochMilli(state.deadlineMs);
            if (body != null && !now.isBefore(deadline)) {
                DeploymentFailedException late = new DeploymentFailedException(body.describe() + " did not finish within the window of "
                        + Durations.format(options.window()) + " and was stopped; nothing was rolled back");
                say("%s", late.getMessage());
                stopBody(late);
                end(End.BODY_FAILED, late, null);
                return;
            }
            state.observations++;
            try {
                List<FiringAlert> alerts = request.source().firing();
                if (state.errorsInARow > 0) {
                    say("the source answers again after %d failed observation(s)", state.errorsInARow);
                }
                state.errorsInARow = 0;
                if (alerts.isEmpty()) {
                    if (state.firingInARow > 0) {
                        say("no selected alert firing any more after %d observation(s): not rolling back", state.firingInARow);
                    }
                    state.firingInARow = 0;
                    state.firstFiringMs = null;
                    lastSeen = "no selected alert firing";
                } else {
                    state.firingInARow++;
                    if (state.firstFiringMs == null) {
                        state.firstFiringMs = now.toEpochMilli();
                    }
                    Instant firstFiring = Instant.ofEpochMilli(state.firstFiringMs);
                    FiringAlert first = earliest(alerts);
                    lastSeen = String.format(Locale.ROOT, "%s firing since %s (%d/%d)", first.display(), time(sinceOf(first, firstFiring)),
                            state.firingInARow, options.failureLimit());
                    say("%s%s", lastSeen, alerts.size() > 1 ? " and " + (alerts.size() - 1) + " more" : "");
                    if (state.firingInARow >= options.failureLimit()) {
                        triggerOnAlerts(alerts, firstFiring);
                        return;
                    }
                }
            } catch (AlertSourceException e) {
                state.errors++;
                state.errorsInARow++;
                lastSeen = "the source failed " + state.errorsInARow + " observation(s) in a row";
                say("observation failed (%d/%d in a row): %s", state.errorsInARow, options.errorLimit(), e.getMessage());
                if (state.errorsInARow >= options.errorLimit()) {
                    switch (options.onError()) {
                        case FAIL -> {
                            failOnErrors(e);
                            return;
                        }
                        case ROLLBACK -> {
                            triggerOnErrors(e);
                            return;
                        }
                        case IGNORE -> {
                            if (state.errorsInARow == options.errorLimit()) {
                                say("on-error ignore: watching on while the source fails");
                            }
                        }
                    }
                }
            }
            if (body == null && !clock.instant().isBefore(deadline)) {
                Duration watched = Duration.between(Instant.ofEpochMilli(state.startedAtMs), clock.instant());
                say("watch over after %s: %d observation(s), %d failed, no rollback", Durations.format(watched.truncatedTo(ChronoUnit.MILLIS)),
                        state.observations, state.errors);
                end(End.QUIET, null, new WatchReport(state.observations, state.errors, watched, null));
                return;
            }
            save();
            scheduleNext(deadline);
        }

        /** The next tick: one interval on, or the window's end if that comes first (the guarded body's window too). */
        private void scheduleNext(Instant deadline) {
            long delay = Math.min(options.interval().toMillis(), Math.max(0, Duration.between(clock.instant(), deadline).toMillis()));
            if (next != null) {
                next.cancel(false);
            }
            next = scheduler.schedule(this::observeSafely, delay, TimeUnit.MILLISECONDS);
        }

        private void endWithBody() {
            Duration watched = Duration.between(Instant.ofEpochMilli(state.startedAtMs), clock.instant());
            if (bodyFailure != null) {
                say("%s failed while no alert fired: %s", body.describe(), bodyFailure.getMessage());
                end(End.BODY_FAILED, bodyFailure, null);
                return;
            }
            say("%s finished after %s: %d observation(s), %d failed, no rollback", body.describe(),
                    Durations.format(watched.truncatedTo(ChronoUnit.MILLIS)), state.observations, state.errors);
            end(End.QUIET, null, new WatchReport(state.observations, state.errors, watched, bodyResult));
        }

        private void triggerOnAlerts(List<FiringAlert> alerts, Instant firstFiring) {
            List<FiringAlert> ordered = alerts.stream().sorted(Comparator.comparing(a -> sinceOf(a, firstFiring))).toList();
            FiringAlert first = ordered.get(0);
            String reason = "alert " + first.display() + " firing since " + time(sinceOf(first, firstFiring))
                    + (first.value() == null ? "" : " (value " + first.value() + ")")
                    + (ordered.size() > 1 ? " and " + (ordered.size() - 1) + " more" : "");
            triggered(reason);
            RuntimeException trafficFailure = zeroTraffic();
            stopBody(new DeploymentFailedException("rolled back " + target.describe() + ": " + reason));
            RuntimeException auditFailure = null;
            try {
                for (FiringAlert alert : ordered.subList(0, Math.min(MAX_AUDITED_ALERTS, ordered.size()))) {
                    store.append(AuditEvent.builder(AuditAction.ALERT_FIRED, request.subject().service())
                            .environment(request.subject().environment())
                            .namespace(request.subject().namespace())
                            .target(request.subject().target())
                            .outcome(Outcome.FAILED)
                            .reason("alert " + alert.display() + " firing since " + time(sinceOf(alert, firstFiring)))
                            .detail("alert", alert.name())
                            .detail("labels", alert.labelText())
                            .detail("value", alert.value())
                            .detail("since", time(sinceOf(alert, firstFiring)))
                            .detail("source", request.source().describe())
                            .detail("observations", options.failureLimit())
                            .build(), origin);
                }
                state.alertRecorded = true;
                save();
            } catch (RuntimeException e) {
                say("could not record ALERT_FIRED (%s); rolling back anyway", e.getMessage());
                auditFailure = e;
            }
            rollBack(reason, trafficFailure, auditFailure, null);
        }

        private void triggerOnErrors(AlertSourceException last) {
            String reason = "the alert source failed " + state.errorsInARow + " observations in a row and on-error is rollback (last: "
                    + last.getMessage() + ")";
            triggered(reason);
            RuntimeException trafficFailure = zeroTraffic();
            stopBody(new DeploymentFailedException("rolled back " + target.describe() + ": " + reason));
            rollBack(reason, trafficFailure, null, last);
        }

        private void failOnErrors(AlertSourceException last) {
            EnvironmentException failure = new EnvironmentException("stopped watching " + target.describe() + ": " + request.source().describe()
                    + " failed " + state.errorsInARow + " observations in a row (last: " + last.getMessage()
                    + "); on-error fail leaves the canary as it is", last);
            stopBody(failure);
            say("stopped watching: on-error fail; the canary is left as it is");
            end(End.SOURCE_FAILED, failure, null);
        }

        /** Saved before anything is changed, so a restart in the middle finishes the rollback instead of watching again. */
        private void triggered(String reason) {
            state.phase = Phase.TRIGGERED;
            state.reason = reason;
            if (next != null) {
                next.cancel(false);
            }
            save();
        }

        /** Cuts the canary's traffic first, since every second it serves is a second of damage. */
        private RuntimeException zeroTraffic() {
            try {
                target.zeroTraffic();
                say("canary traffic set to 0%%");
                return null;
            } catch (RuntimeException e) {
                say("could not set canary traffic to 0%% (%s); rolling back anyway", e.getMessage());
                return e;
            }
        }

        private void rollBack(String reason, RuntimeException trafficFailure, RuntimeException auditFailure, Throwable trigger) {
            CompletableFuture<Void> started;
            try {
                started = target.startRollBack(reason).toCompletableFuture();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((ignored, failure) -> rolledBack(reason, trafficFailure, auditFailure, trigger, failure));
        }

        private synchronized void rolledBack(String reason, RuntimeException trafficFailure, RuntimeException auditFailure,
                                             Throwable trigger, Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause != null) {
                if (trafficFailure != null) {
                    cause.addSuppressed(trafficFailure);
                }
                say("rollback failed: %s", cause.getMessage());
                end(End.FAILED, cause, null);
                return;
            }
            say("rolled back: %s", reason);
            if (auditFailure != null) {
                end(End.FAILED, auditFailure, null);
                return;
            }
            end(End.ROLLED_BACK, new DeploymentFailedException("rolled back " + target.describe() + ": " + reason, trigger), null);
        }

        private void stopBody(Throwable cause) {
            if (body != null && !bodyEnded) {
                body.stop(cause);
                say("stopped %s", body.describe());
            }
        }

        /** Records the end and completes the handle; the recorded end is what a later resume of this run returns. */
        private void end(End end, Throwable failure, WatchReport report) {
            if (next != null) {
                next.cancel(false);
            }
            if (listening != null) {
                listening.close();
            }
            state.phase = Phase.ENDED;
            state.end = end;
            state.message = failure == null ? null : failure.getMessage();
            state.watchedMs = report == null ? null : report.watched().toMillis();
            try {
                save();
            } catch (RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    failure = e;
                }
            }
            if (failure != null) {
                completion.completeExceptionally(failure);
            } else {
                completion.complete(report);
            }
        }

        private void completeAsRecorded() {
            Duration watched = Duration.ofMillis(state.watchedMs == null ? 0 : state.watchedMs);
            String message = state.message;
            switch (state.end) {
                case QUIET -> completion.complete(new WatchReport(state.observations, state.errors, watched, null));
                case ROLLED_BACK, BODY_FAILED -> completion.completeExceptionally(new DeploymentFailedException(message));
                case CANCELLED -> completion.completeExceptionally(new ActCancelledException(message));
                case SOURCE_FAILED, FAILED -> completion.completeExceptionally(new EnvironmentException(message));
            }
        }

        void save() {
            try {
                states.save(run, JSON.writeValueAsString(state));
            } catch (IOException e) {
                throw new IllegalStateException("a watch's state is plain data and always serialises", e);
            }
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
        public synchronized String status() {
            String subject = KIND + " " + target.describe() + ": ";
            return switch (state.phase) {
                case ENDED -> subject + "watch ended (" + state.end.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
                case TRIGGERED -> subject + "rolling back: " + state.reason;
                case WATCHING -> {
                    Duration left = Duration.between(clock.instant(), deadline()).truncatedTo(ChronoUnit.SECONDS);
                    yield subject + state.observations + " observation(s), " + lastSeen + ", "
                            + (left.isNegative() ? "0s" : Durations.format(left)) + " left";
                }
            };
        }

        @Override
        public CompletableFuture<WatchReport> completion() {
            return completion;
        }

        /**
         * Stops watching and records it. A rollback already under way is not abandoned half-way:
         * it finishes and the handle completes with its outcome.
         */
        @Override
        public synchronized void stop(String reason) {
            if (state.phase != Phase.WATCHING) {
                return;
            }
            ActCancelledException cancelled = new ActCancelledException("rollbackOnAlert on " + target.describe() + " stopped ("
                    + reason + ") after " + state.observations + " observation(s); nothing was rolled back");
            stopBody(cancelled);
            say("stopped (%s); nothing was rolled back", reason);
            try {
                store.append(AuditEvent.builder(AuditAction.NOTE, request.subject().service())
                        .environment(request.subject().environment())
                        .namespace(request.subject().namespace())
                        .target(request.subject().target())
                        .outcome(Outcome.CANCELLED)
                        .reason("rollbackOnAlert stopped: " + reason)
                        .detail("source", request.source().describe())
                        .detail("observations", state.observations)
                        .build(), origin);
            } catch (RuntimeException e) {
                cancelled.addSuppressed(e);
            }
            end(End.CANCELLED, cancelled, null);
        }

        private void say(String format, Object... args) {
            progress.line("[rollbackOnAlert] " + target.describe() + ": " + String.format(Locale.ROOT, format, args));
        }
    }

    private static FiringAlert earliest(List<FiringAlert> alerts) {
        return alerts.stream().min(Comparator.comparing(a -> a.since() == null ? Instant.MAX : a.since())).orElseThrow();
    }

    /** The source's own start time, or when this watch first saw it firing if the source has none. */
    private static Instant sinceOf(FiringAlert alert, Instant firstSeen) {
        return alert.since() != null ? alert.since() : firstSeen;
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
