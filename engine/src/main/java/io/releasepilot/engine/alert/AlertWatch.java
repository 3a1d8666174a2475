package io.releasepilot.engine.alert;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * rollbackOnAlert: observes a source every {@code interval} and, once a selected alert has been
 * firing for {@code failureLimit} observations in a row, sets canary traffic to 0 at once,
 * stops the guarded body (if any), records {@code ALERT_FIRED} and rolls back. A source that
 * cannot answer is an errored observation counted against {@code errorLimit}, never a crash.
 *
 * <p>Two ways to use it: {@link #watch()} observes for the window and returns; {@link #guard}
 * runs a command on the host and observes while it runs. A {@link Wakeup} shared with a push
 * receiver (the {@link AlertmanagerWebhook}) triggers an observation without waiting for the next tick.
 */
public final class AlertWatch {

    /** More firing alerts than this are summed up in one line rather than audited one by one. */
    private static final int MAX_AUDITED_ALERTS = 20;
    private static final Duration BODY_STOP_TIMEOUT = Duration.ofSeconds(10);

    private final AlertSource source;
    private final WatchOptions options;
    private final RollbackTarget target;
    private final WatchSubject subject;
    private final AuditStore store;
    private final Origin origin;
    private final ProgressListener progress;
    private final Wakeup wakeup;

    public AlertWatch(AlertSource source, WatchOptions options, RollbackTarget target, WatchSubject subject,
                      AuditStore store, Origin origin, ProgressListener progress) {
        this(source, options, target, subject, store, origin, progress, new Wakeup());
    }

    /**
     * @param wakeup cuts a wait short for an observation now; shared with a push receiver
     *               ({@link AlertmanagerWebhook}) started before the watch
     */
    public AlertWatch(AlertSource source, WatchOptions options, RollbackTarget target, WatchSubject subject,
                      AuditStore store, Origin origin, ProgressListener progress, Wakeup wakeup) {
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup");
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.target = Objects.requireNonNull(target, "target");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.store = Objects.requireNonNull(store, "store");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Observes for the window. Returns when it ends quietly; throws
     * {@link DeploymentFailedException} after a rollback, {@link EnvironmentException} when the
     * source kept failing and on-error is {@code fail}.
     */
    public WatchReport watch() throws InterruptedException {
        checkSource();
        return run(null);
    }

    /**
     * Runs {@code command} on the host and observes while it runs; on a trigger the command is
     * stopped before the rollback. The window bounds how long the command may run.
     */
    public WatchReport guard(ProcessLauncher launcher, List<String> command) throws InterruptedException {
        if (command == null || command.isEmpty() || command.get(0).isBlank()) {
            throw new InvalidInputException("command", command == null ? null : String.join(" ", command),
                    "a command to run while watching, e.g. -- ./smoke-test.sh");
        }
        checkSource();
        Body body = Body.start(launcher, command, options.window(), progress, wakeup);
        try {
            WatchReport report = run(body);
            return body.outcome(report, options.window());
        } finally {
            body.stop();
        }
    }

    /** Lets the server reject what it is asked (invalid input) before anything runs or is watched. */
    private void checkSource() {
        try {
            source.check();
        } catch (AlertSourceException e) {
            say("could not check the source before watching (%s); its errors count as observations", e.getMessage());
        }
    }

    private WatchReport run(Body body) throws InterruptedException {
        say("watching %s %s every %s; rolling back after %d firing observation(s) in a row; after %d source error(s) in a row: %s",
                source.describe(), body == null ? "for " + Durations.format(options.window()) : "while `" + body.display() + "` runs",
                Durations.format(options.interval()), options.failureLimit(), options.errorLimit(), options.onError().text());
        long started = System.nanoTime();
        long deadline = started + options.window().toNanos();
        long interval = options.interval().toNanos();
        int observations = 0;
        int errors = 0;
        int errorsInARow = 0;
        int firingInARow = 0;
        Instant firstFiring = null;
        long nextAt = started;
        while (body == null || !body.finished()) {
            observations++;
            try {
                List<FiringAlert> alerts = source.firing();
                if (errorsInARow > 0) {
                    say("the source answers again after %d failed observation(s)", errorsInARow);
                }
                errorsInARow = 0;
                if (alerts.isEmpty()) {
                    if (firingInARow > 0) {
                        say("no selected alert firing any more after %d observation(s): not rolling back", firingInARow);
                    }
                    firingInARow = 0;
                    firstFiring = null;
                } else {
                    firingInARow++;
                    if (firstFiring == null) {
                        firstFiring = Instant.now();
                    }
                    FiringAlert first = earliest(alerts);
                    say("%s firing since %s (%d/%d)%s", first.display(), time(sinceOf(first, firstFiring)), firingInARow,
                            options.failureLimit(), alerts.size() > 1 ? " and " + (alerts.size() - 1) + " more" : "");
                    if (firingInARow >= options.failureLimit()) {
                        throw triggerOnAlerts(alerts, firstFiring, body);
                    }
                }
            } catch (AlertSourceException e) {
                errors++;
                errorsInARow++;
                say("observation failed (%d/%d in a row): %s", errorsInARow, options.errorLimit(), e.getMessage());
                if (errorsInARow >= options.errorLimit()) {
                    switch (options.onError()) {
                        case FAIL -> throw failOnErrors(errorsInARow, e, body);
                        case ROLLBACK -> throw triggerOnErrors(errorsInARow, e, body);
                        case IGNORE -> {
                            if (errorsInARow == options.errorLimit()) {
                                say("on-error ignore: watching on while the source fails");
                            }
                        }
                    }
                }
            }
            long now = System.nanoTime();
            if (body == null && now - deadline >= 0) {
                break;
            }
            while (nextAt - now <= 0) {
                nextAt += interval;
            }
            long until = body == null && deadline - nextAt < 0 ? deadline : nextAt;
            wakeup.await(Duration.ofNanos(until - now));
        }
        Duration watched = Duration.ofNanos(System.nanoTime() - started);
        say("watch over after %s: %d observation(s), %d failed, no rollback", Durations.format(watched.truncatedTo(ChronoUnit.MILLIS)),
                observations, errors);
        return new WatchReport(observations, errors, watched, null);
    }

    private DeploymentFailedException triggerOnAlerts(List<FiringAlert> alerts, Instant firstFiring, Body body) throws InterruptedException {
        RuntimeException trafficFailure = zeroTraffic();
        stopBody(body);
        List<FiringAlert> ordered = alerts.stream().sorted(Comparator.comparing(a -> sinceOf(a, firstFiring))).toList();
        FiringAlert first = ordered.get(0);
        String reason = "alert " + first.display() + " firing since " + time(sinceOf(first, firstFiring))
                + (first.value() == null ? "" : " (value " + first.value() + ")")
                + (ordered.size() > 1 ? " and " + (ordered.size() - 1) + " more" : "");
        RuntimeException auditFailure = null;
        try {
            for (FiringAlert alert : ordered.subList(0, Math.min(MAX_AUDITED_ALERTS, ordered.size()))) {
                store.append(AuditEvent.builder(AuditAction.ALERT_FIRED, subject.service())
                        .environment(subject.environment())
                        .namespace(subject.namespace())
                        .target(subject.target())
                        .outcome(Outcome.FAILED)
                        .reason("alert " + alert.display() + " firing since " + time(sinceOf(alert, firstFiring)))
                        .detail("alert", alert.name())
                        .detail("labels", alert.labelText())
                        .detail("value", alert.value())
                        .detail("since", time(sinceOf(alert, firstFiring)))
                        .detail("source", source.describe())
                        .detail("observations", options.failureLimit())
                        .build(), origin);
            }
        } catch (RuntimeException e) {
            say("could not record ALERT_FIRED (%s); rolling back anyway", e.getMessage());
            auditFailure = e;
        }
        rollBack(reason, trafficFailure);
        if (auditFailure != null) {
            throw auditFailure;
        }
        return new DeploymentFailedException("rolled back " + target.describe() + ": " + reason);
    }

    private DeploymentFailedException triggerOnErrors(int inARow, AlertSourceException last, Body body) throws InterruptedException {
        RuntimeException trafficFailure = zeroTraffic();
        stopBody(body);
        String reason = "the alert source failed " + inARow + " observations in a row and on-error is rollback (last: " + last.getMessage() + ")";
        rollBack(reason, trafficFailure);
        return new DeploymentFailedException("rolled back " + target.describe() + ": " + reason, last);
    }

    private EnvironmentException failOnErrors(int inARow, AlertSourceException last, Body body) throws InterruptedException {
        stopBody(body);
        say("stopped watching: on-error fail; the canary is left as it is");
        return new EnvironmentException("stopped watching " + target.describe() + ": " + source.describe() + " failed " + inARow
                + " observations in a row (last: " + last.getMessage() + "); on-error fail leaves the canary as it is", last);
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

    private void rollBack(String reason, RuntimeException trafficFailure) {
        try {
            target.rollBack(reason);
        } catch (RuntimeException e) {
            if (trafficFailure != null) {
                e.addSuppressed(trafficFailure);
            }
            say("rollback failed: %s", e.getMessage());
            throw e;
        }
        say("rolled back: %s", reason);
    }

    private void stopBody(Body body) throws InterruptedException {
        if (body != null && !body.finished()) {
            body.stop();
            say("stopped `%s`", body.display());
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

    private void say(String format, Object... args) {
        progress.line("[rollbackOnAlert] " + target.describe() + ": " + String.format(java.util.Locale.ROOT, format, args));
    }

    /** The guarded command, running on the host in its own thread. */
    private static final class Body {
        private final List<String> command;
        private final Thread thread;
        private volatile boolean done;
        private volatile boolean stopped;
        private volatile ProcessResult result;
        private volatile Exception failure;

        private Body(List<String> command, Thread thread) {
            this.command = command;
            this.thread = thread;
        }

        static Body start(ProcessLauncher launcher, List<String> command, Duration timeout, ProgressListener output, Wakeup wakeup) {
            ProcessRequest request = ProcessRequest.of(command, timeout, output);
            Body[] holder = new Body[1];
            Thread thread = new Thread(() -> {
                Body self = holder[0];
                try {
                    self.result = launcher.run(request);
                } catch (InterruptedException e) {
                    self.stopped = true;
                } catch (IOException | RuntimeException e) {
                    self.failure = e;
                } finally {
                    self.done = true;
                    wakeup.wake();
                }
            }, "release-pilot-guarded-command");
            thread.setDaemon(true);
            holder[0] = new Body(List.copyOf(command), thread);
            thread.start();
            return holder[0];
        }

        boolean finished() {
            return done;
        }

        String display() {
            return String.join(" ", command);
        }

        /** Interrupts the launcher, which kills the process and its children, and waits for it. */
        void stop() throws InterruptedException {
            if (!done) {
                thread.interrupt();
                thread.join(BODY_STOP_TIMEOUT.toMillis());
            }
        }

        WatchReport outcome(WatchReport watch, Duration window) {
            if (failure != null) {
                throw new EnvironmentException("could not run `" + display() + "`: " + failure.getMessage(), failure);
            }
            if (stopped || result == null) {
                throw new DeploymentFailedException("`" + display() + "` was stopped before it finished");
            }
            if (result.timedOut()) {
                throw new DeploymentFailedException("`" + display() + "` did not finish within the window of " + Durations.format(window)
                        + " and was stopped; nothing was rolled back");
            }
            if (result.exitCode() != 0) {
                throw new DeploymentFailedException("`" + display() + "` failed with exit code " + result.exitCode()
                        + " while no alert fired; nothing was rolled back. Last output:\n" + result.tailText());
            }
            return new WatchReport(watch.observations(), watch.sourceErrors(), watch.watched(), result.exitCode());
        }
    }
}
