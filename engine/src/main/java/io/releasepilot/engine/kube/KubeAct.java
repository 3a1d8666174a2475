package io.releasepilot.engine.kube;

import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The handle of one canary act (deployCanary, promote, rollback) on one Deployment. The act is a
 * chain of short steps run on the scheduler; between them it waits on futures (informer waits,
 * timers) that hold no thread. {@link #stop} and a lost lease or an applied brake end the pending
 * wait at once with their exception; a step under way finishes its request and the next step
 * sees that the act ended before it writes anything ({@link #checkGoing()}). However the chain
 * ends, {@link #finish} releases the lease before the completion completes.
 *
 * @param <R> the act's result
 */
final class KubeAct<R> implements ActHandle<R> {

    private final String act;
    private final RunId runId;
    private final String label;
    private final ScheduledExecutorService scheduler;
    private final CompletableFuture<R> completion = new CompletableFuture<>();
    private final Set<CompletableFuture<?>> waits = ConcurrentHashMap.newKeySet();
    private final AtomicReference<RuntimeException> ended = new AtomicReference<>();
    private volatile Instant deadline;
    private volatile String progress = "starting";
    private volatile Consumer<RuntimeException> onAbort = reason -> { };

    KubeAct(String act, RunId runId, String label, Instant deadline, ScheduledExecutorService scheduler) {
        this.act = act;
        this.runId = Objects.requireNonNull(runId, "runId");
        this.label = label;
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    String act() {
        return act;
    }

    String label() {
        return label;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Fixes the deadline once the act holds its lease (a wait for the lease does not count against it). */
    void deadline(Instant value) {
        this.deadline = value;
    }

    /** How long the act has left; zero once the deadline passed. */
    Duration left() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * The host's console with the act's status behind it: each line is printed, and what it says
     * after {@code [act] ns/name: } becomes the status.
     */
    ProgressListener console(ProgressListener host) {
        String prefix = "[" + act + "] " + label + ": ";
        return line -> {
            if (line.startsWith(prefix)) {
                progress = line.substring(prefix.length());
            }
            host.line(line);
        };
    }

    /**
     * How the act records that it was ended from outside (stopped: CANCELLED; the brake or a lost
     * lease: FAILED), set once the act knows what it does (its audit record and operation).
     */
    void onAbort(Consumer<RuntimeException> recorder) {
        this.onAbort = recorder;
    }

    /** Throws the reason the act ended (stopped, lease lost, brake applied), if it did: called before every write. */
    void checkGoing() {
        RuntimeException reason = ended.get();
        if (reason != null) {
            throw reason;
        }
    }

    /** A wait of the act: ended at once, with the reason, when the act is stopped or aborted. */
    <T> CompletableFuture<T> waitFor(CompletableFuture<T> wait) {
        waits.add(wait);
        wait.whenComplete((r, e) -> waits.remove(wait));
        RuntimeException reason = ended.get();
        if (reason != null) {
            wait.completeExceptionally(reason);
        }
        return wait;
    }

    /** Runs the act's next step on the scheduler, unless the act has ended meanwhile. */
    <T> CompletableFuture<T> then(Supplier<CompletableFuture<T>> step) {
        return CompletableFuture.supplyAsync(() -> {
            checkGoing();
            return step.get();
        }, scheduler).thenCompose(f -> f);
    }

    /**
     * Ends the act with {@code reason}: the pending wait fails with it on a scheduler thread (the
     * caller may be one that must not do I/O, such as a Jenkins CPS thread). The first reason wins.
     */
    void abort(RuntimeException reason) {
        if (!ended.compareAndSet(null, reason)) {
            return;
        }
        scheduler.execute(() -> waits.forEach(w -> w.completeExceptionally(reason)));
    }

    /**
     * Completes the handle when {@code body} ends: records an abort with what {@link #onAbort} set,
     * then releases the lease (always), then completes. A failure of either is attached to the
     * act's own exception rather than hiding it.
     */
    void finish(CompletableFuture<R> body, Runnable releaseLease) {
        // On the scheduler: the body may end on a thread of the HTTP client (a failed watch), which must not block.
        body.whenCompleteAsync((result, error) -> {
            Throwable cause = unwrap(error);
            if (cause != null && cause == ended.get()) {
                try {
                    onAbort.accept(ended.get());
                } catch (RuntimeException recordFailed) {
                    cause.addSuppressed(recordFailed);
                }
            }
            try {
                releaseLease.run();
            } catch (RuntimeException releaseFailed) {
                if (cause == null) {
                    cause = releaseFailed;
                } else {
                    cause.addSuppressed(releaseFailed);
                }
            }
            if (cause == null) {
                completion.complete(result);
            } else {
                completion.completeExceptionally(cause);
            }
        }, scheduler);
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public RunId runId() {
        return runId;
    }

    @Override
    public Instant deadline() {
        return deadline;
    }

    @Override
    public String status() {
        if (completion.isDone()) {
            return act + " " + label + ": " + progress;
        }
        return act + " " + label + ": " + progress + ", " + Durations.format(left().withNanos(0)) + " left";
    }

    @Override
    public CompletableFuture<R> completion() {
        return completion;
    }

    @Override
    public void stop(String reason) {
        abort(new ActCancelledException(act + " of " + label + " was stopped (" + reason + "); run " + runId
                + " recorded it as CANCELLED and released the Deployment"));
    }

    /** Waits for an act where there is no host to resume it: an interrupt stops the act and is kept on the thread. */
    static <R> R join(ActHandle<R> handle) {
        try {
            return handle.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActCancelledException("interrupted while waiting for run " + handle.runId() + ": " + handle.status());
        }
    }
}
