package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.releasepilot.engine.EnvironmentException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A wait for a condition over a set of cluster objects, driven by an informer (one list, then a
 * watch the client re-establishes if it drops), with an absolute deadline. The number of API
 * requests does not depend on how long the condition takes, and no thread is held while it
 * waits. Each change re-evaluates the condition over the informer's cache; the handler only
 * evaluates and never blocks.
 *
 * @param <T> the kind of object watched
 */
final class InformerWait<T extends HasMetadata> {

    /** What the objects say right now. */
    record Check(Verdict verdict, String progress) {
        static Check done(String progress) {
            return new Check(Verdict.DONE, progress);
        }

        static Check waiting(String progress) {
            return new Check(Verdict.WAITING, progress);
        }

        static Check failed(String why) {
            return new Check(Verdict.FAILED, why);
        }
    }

    enum Verdict { WAITING, DONE, FAILED }

    /**
     * How the wait ended.
     *
     * @param verdict DONE, FAILED (a failure acceptor matched) or WAITING (the deadline passed)
     * @param message the last progress, or why it failed
     * @param waited  how long it took
     */
    record Result(Verdict verdict, String message, Duration waited) {
        boolean done() {
            return verdict == Verdict.DONE;
        }

        boolean timedOut() {
            return verdict == Verdict.WAITING;
        }
    }

    private final Informable<T> source;
    private final Function<List<T>, Check> condition;
    private final Consumer<String> onProgress;

    /**
     * @param source     the objects to watch (already narrowed by namespace, name or labels)
     * @param condition  evaluated over all cached objects after every change
     * @param onProgress called with each new, different progress text (a console line)
     */
    InformerWait(Informable<T> source, Function<List<T>, Check> condition, Consumer<String> onProgress) {
        this.source = Objects.requireNonNull(source);
        this.condition = Objects.requireNonNull(condition);
        this.onProgress = Objects.requireNonNull(onProgress);
    }

    /**
     * Starts the wait and returns at once: the result completes when the condition is met or
     * fails, or at {@code deadline} with the last progress (verdict WAITING). No thread waits:
     * the informer's events evaluate the condition and a timer on {@code scheduler} ends it at the
     * deadline. Completing the returned future from outside (an act stopped) ends the wait too;
     * either way the informer is closed (before the result completes, when the wait decides).
     */
    CompletableFuture<Result> start(ScheduledExecutorService scheduler, Instant deadline) {
        Instant start = Instant.now();
        CompletableFuture<Result> result = new CompletableFuture<>();
        if (!start.isBefore(deadline)) {
            // Nothing to watch for: a watch opened and closed at once only loads the API server.
            result.complete(new Result(Verdict.WAITING, "the deadline had passed", Duration.ZERO));
            return result;
        }
        AtomicReference<String> lastProgress = new AtomicReference<>();
        AtomicBoolean closed = new AtomicBoolean();
        SharedIndexInformer<T> informer = source.runnableInformer(0);
        // The watch is closed before the result completes, so the act's next writes never race a
        // closing watch; on the scheduler, as the deciding thread may be the informer's own.
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                informer.close();
            }
        };
        Consumer<Result> end = r -> scheduler.execute(() -> {
            if (!result.isDone()) {
                close.run();
                result.complete(r);
            }
        });
        Runnable evaluate = () -> {
            if (result.isDone() || closed.get()) {
                return;
            }
            Check check = condition.apply(informer.getStore().list());
            String said = lastProgress.get();
            if (check.progress() != null && !check.progress().equals(said) && lastProgress.compareAndSet(said, check.progress())) {
                onProgress.accept(check.progress());
            }
            if (check.verdict() != Verdict.WAITING) {
                end.accept(new Result(check.verdict(), check.progress(), Duration.between(start, Instant.now())));
            }
        };
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                evaluate.run();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                evaluate.run();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                evaluate.run();
            }
        });
        informer.start().whenComplete((ignored, failed) -> {
            if (closed.get()) {
                // Closed by the wait itself (it decided, or was ended, before the watch had started).
                return;
            }
            if (failed != null) {
                scheduler.execute(() -> {
                    close.run();
                    result.completeExceptionally(new EnvironmentException("cannot watch the cluster: " + describe(failed), failed));
                });
            } else {
                // The initial list may hold nothing (no add events): evaluate once over what is there.
                scheduler.execute(evaluate);
            }
        });
        long left = Math.max(0, Duration.between(start, deadline).toMillis());
        ScheduledFuture<?> timer = scheduler.schedule(() -> end.accept(new Result(Verdict.WAITING,
                lastProgress.get() == null ? "the watch did not start" : lastProgress.get(), Duration.between(start, Instant.now()))),
                left, TimeUnit.MILLISECONDS);
        // Ended from outside (the act stopped): the watch goes too.
        result.whenComplete((r, e) -> {
            timer.cancel(false);
            scheduler.execute(close);
        });
        return result;
    }

    private static String describe(Throwable t) {
        if (t instanceof KubernetesClientException k && k.getCode() > 0) {
            return "HTTP " + k.getCode() + " " + k.getMessage();
        }
        return String.valueOf(t.getMessage());
    }
}
