package io.jenkins.plugins.releasepilot;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.DaemonThreadFactory;
import hudson.util.NamingThreadFactory;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import jenkins.model.CauseOfInterruption;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * A step that waits on a long engine act (a canary becoming ready, a promotion, an alert window),
 * made in the model of workflow-basic-steps' SleepStep: what is saved is small (the run id and
 * the object acted on), the engine's handle is transient, and waiting holds no thread (the engine
 * polls on its shared scheduler). {@link #start()} runs on the CPS VM thread and only hands the
 * engine's {@code start} to a background thread; after a controller restart {@link #onResume()}
 * re-attaches with the engine's {@code resume(runId, …)}, which keeps the act's recorded deadline;
 * {@link #stop} cancels through the engine, which records the cancellation and frees the
 * Deployment at once; {@link #getStatus()} is the engine's status line.
 *
 * @param <R> the engine act's result
 */
abstract class ActStepExecution<R> extends StepExecution {

    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(ActStepExecution.class.getName());

    /** Where engine calls that may block (the act's first reads and writes, stop) run: never the CPS VM thread. */
    private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool(
            new NamingThreadFactory(new DaemonThreadFactory(), "release-pilot-step"));

    private final String step;
    private final String runId;
    private final KubernetesAccess access;

    private transient ActHandle<R> handle;
    private transient Throwable stopCause;
    private transient Runnable release;
    private transient boolean resuming;

    protected ActStepExecution(StepContext context, String step, KubernetesAccess access) throws IOException, InterruptedException {
        super(context);
        this.step = step;
        this.access = access;
        // The run id is the build's URL and this step's flow node: the same after a restart, so the act takes its lease back.
        this.runId = BuildOrigin.url(context.get(Run.class)) + "#" + context.get(FlowNode.class).getId();
    }

    /** For an act that needs no Kubernetes (an RDS snapshot): {@link Session#kubernetes()} is not offered. */
    protected ActStepExecution(StepContext context, String step) throws IOException, InterruptedException {
        this(context, step, null);
    }

    /** Starts the engine act. Runs on a background thread; validation, lease and the first record happen inside. */
    protected abstract ActHandle<R> begin(Session session) throws Exception;

    /** Re-attaches to the act this run started before the controller restarted. */
    protected abstract ActHandle<R> reattach(Session session) throws Exception;

    /** What the Pipeline receives when the act succeeds. */
    protected abstract Object returnValue(R result);

    /** What a started act needs from the build, resolved on the background thread. */
    protected final class Session {
        final Run<?, ?> run;
        final TaskListener listener;
        final FilePath workspace;
        final EnvVars environment;
        final RunId id;

        private Session(Run<?, ?> run, TaskListener listener, FilePath workspace, EnvVars environment) {
            this.run = run;
            this.listener = listener;
            this.workspace = workspace;
            this.environment = environment;
            this.id = new RunId(runId);
        }

        /** A Kubernetes client for the act, shared with other acts of the same login, given back when the act ends. */
        io.fabric8.kubernetes.client.KubernetesClient kubernetes() throws IOException, InterruptedException {
            if (access == null) {
                throw new IllegalStateException(step + " was made without Kubernetes access");
            }
            SharedClients.Lease lease = access.connect(run, workspace, environment);
            onEnd(lease::close);
            return lease.client();
        }

        ConsoleProgress progress() {
            return new ConsoleProgress(listener);
        }
    }

    @Override
    public final boolean start() {
        BACKGROUND.submit(() -> attach(false));
        return false;
    }

    @Override
    public final void onResume() {
        BACKGROUND.submit(() -> attach(true));
    }

    private void attach(boolean afterRestart) {
        StepContext context = getContext();
        ActHandle<R> started;
        try {
            synchronized (this) {
                resuming = afterRestart;
            }
            Session session = new Session(context.get(Run.class), context.get(TaskListener.class), context.get(FilePath.class),
                    context.get(EnvVars.class));
            if (afterRestart) {
                session.listener.getLogger().println("[" + step + "] resuming " + runId + " after the controller restarted");
            }
            started = EngineClassLoading.call(s -> {
                try {
                    return afterRestart ? reattach(s) : begin(s);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new AttachFailure(e);
                }
            }, session);
        } catch (AttachFailure e) {
            end();
            context.onFailure(StepFailures.forBuild(step, e.getCause()));
            return;
        } catch (Throwable t) {
            end();
            context.onFailure(StepFailures.forBuild(step, t));
            return;
        }
        Throwable stopBeforeStart;
        synchronized (this) {
            handle = started;
            stopBeforeStart = stopCause;
        }
        if (stopBeforeStart != null) {
            started.stop(reason(stopBeforeStart));
        }
        TaskListener listener = listenerOf(context);
        started.completion().whenComplete((result, failure) -> {
            end();
            if (listener != null) {
                AuditTrail.seal(listener, step);
            }
            Throwable stopped;
            synchronized (this) {
                stopped = stopCause;
            }
            if (failure == null) {
                context.onSuccess(returnValue(result));
            } else {
                context.onFailure(stopped != null ? stopped : StepFailures.forBuild(step, failure));
            }
        });
    }

    private static TaskListener listenerOf(StepContext context) {
        try {
            return context.get(TaskListener.class);
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** Runs {@code action} when the act ends (or fails to start): closes what the act used. */
    protected final synchronized void onEnd(Runnable action) {
        Runnable before = release;
        release = before == null ? action : () -> {
            try {
                action.run();
            } finally {
                before.run();
            }
        };
    }

    private void end() {
        Runnable toRun;
        synchronized (this) {
            toRun = release;
            release = null;
        }
        if (toRun != null) {
            try {
                toRun.run();
            } catch (RuntimeException e) {
                LOGGER.log(Level.FINE, "could not release what " + runId + " held", e);
            }
        }
    }

    @Override
    public void stop(Throwable cause) {
        ActHandle<R> current;
        synchronized (this) {
            if (stopCause != null) {
                return;
            }
            stopCause = cause;
            current = handle;
        }
        if (current != null) {
            // The engine writes the CANCELLED record and releases the lease: I/O, so not on the caller's thread.
            BACKGROUND.submit(() -> current.stop(reason(cause)));
        }
    }

    static String reason(Throwable cause) {
        if (cause instanceof FlowInterruptedException interrupted && !interrupted.getCauses().isEmpty()) {
            return interrupted.getCauses().stream().map(CauseOfInterruption::getShortDescription).collect(Collectors.joining("; "));
        }
        return cause.getMessage() != null ? cause.getMessage() : "the build was stopped";
    }

    @Override
    public String getStatus() {
        ActHandle<R> current;
        boolean afterRestart;
        synchronized (this) {
            current = handle;
            afterRestart = resuming;
        }
        if (current != null) {
            return current.status();
        }
        return step + ": " + (afterRestart ? "re-attaching to " : "starting ") + runId;
    }

    /** Carries a checked exception out of the class-loading wrapper. */
    private static final class AttachFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AttachFailure(Exception cause) {
            super(cause);
        }
    }
}
