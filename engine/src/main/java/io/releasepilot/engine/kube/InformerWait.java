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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A wait for a condition over a set of cluster objects, driven by an informer (one list, then a
 * watch the client re-establishes if it drops), with a deadline. The number of API requests does
 * not depend on how long the condition takes. Each change re-evaluates the condition over the
 * informer's cache; the handler only evaluates and never blocks.
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
    private final Duration timeout;
    private final Consumer<String> onProgress;

    /**
     * @param source     the objects to watch (already narrowed by namespace, name or labels)
     * @param condition  evaluated over all cached objects after every change
     * @param timeout    the deadline, from the start of {@link #await()}
     * @param onProgress called with each new, different progress text (a console line)
     */
    InformerWait(Informable<T> source, Function<List<T>, Check> condition, Duration timeout, Consumer<String> onProgress) {
        this.source = Objects.requireNonNull(source);
        this.condition = Objects.requireNonNull(condition);
        this.timeout = Objects.requireNonNull(timeout);
        this.onProgress = Objects.requireNonNull(onProgress);
    }

    Result await() {
        Instant start = Instant.now();
        CompletableFuture<Check> finished = new CompletableFuture<>();
        Object progressLock = new Object();
        String[] lastProgress = {null};
        SharedIndexInformer<T>[] holder = newHolder();
        Runnable evaluate = () -> {
            SharedIndexInformer<T> informer = holder[0];
            if (informer == null || finished.isDone()) {
                return;
            }
            Check check = condition.apply(informer.getStore().list());
            synchronized (progressLock) {
                if (check.progress() != null && !check.progress().equals(lastProgress[0])) {
                    lastProgress[0] = check.progress();
                    onProgress.accept(check.progress());
                }
            }
            if (check.verdict() != Verdict.WAITING) {
                finished.complete(check);
            }
        };
        try (SharedIndexInformer<T> informer = source.runnableInformer(0)) {
            holder[0] = informer;
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
            try {
                informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new EnvironmentException("cannot watch the cluster: " + describe(e.getCause()), e.getCause());
            } catch (TimeoutException e) {
                return new Result(Verdict.WAITING, "the watch did not start", Duration.between(start, Instant.now()));
            }
            // The initial list may hold nothing (no add events): evaluate once over what is there.
            evaluate.run();
            Duration left = timeout.minus(Duration.between(start, Instant.now()));
            try {
                Check check = finished.get(Math.max(0, left.toMillis()), TimeUnit.MILLISECONDS);
                return new Result(check.verdict(), check.progress(), Duration.between(start, Instant.now()));
            } catch (TimeoutException e) {
                synchronized (progressLock) {
                    return new Result(Verdict.WAITING, lastProgress[0], Duration.between(start, Instant.now()));
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("a wait condition failed", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while waiting", e);
        }
    }

    @SuppressWarnings("unchecked")
    private SharedIndexInformer<T>[] newHolder() {
        return (SharedIndexInformer<T>[]) new SharedIndexInformer<?>[1];
    }

    private static String describe(Throwable t) {
        if (t instanceof KubernetesClientException k && k.getCode() > 0) {
            return "HTTP " + k.getCode() + " " + k.getMessage();
        }
        return String.valueOf(t.getMessage());
    }
}
