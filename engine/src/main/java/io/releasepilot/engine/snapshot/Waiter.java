package io.releasepilot.engine.snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A wait as an object, after the AWS SDK v2 waiters: it polls a resource, matches each answer
 * against ordered acceptors (success, failure, retry — each with a message), pauses by a
 * {@link Backoff} between attempts and gives up after an overall timeout or a number of attempts.
 * Its {@link Result} says what matched and after how many attempts, so callers report instead of
 * guessing.
 *
 * @param <T> what one poll returns (e.g. a snapshot's status)
 */
public final class Waiter<T> {

    /** What an acceptor decides when it matches. */
    public enum State { SUCCESS, FAILURE, RETRY }

    /** How the wait ended. */
    public enum Matched { SUCCESS, FAILURE, TIMEOUT }

    /** One rule: when {@code matches} holds for a polled value, the wait goes to {@code state}. */
    public record Acceptor<T>(State state, Predicate<T> matches, Function<T, String> message) {
        public Acceptor {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(matches, "matches");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The end of a wait.
     *
     * @param last     the last polled value
     * @param attempts how many polls were made
     * @param elapsed  time from the first poll to the end
     * @param delays   the pauses made between attempts, in order (the backoff as it happened)
     * @param message  the matching acceptor's message, or why the wait timed out
     */
    public record Result<T>(Matched matched, T last, int attempts, Duration elapsed, List<Duration> delays, String message) {
        public Result {
            delays = List.copyOf(delays);
        }

        public boolean succeeded() {
            return matched == Matched.SUCCESS;
        }
    }

    /** Time as a waiter sees it; the bench replaces it to simulate a long wait in no time. */
    public interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(d.toMillis());
            }
        };

        long nanoTime();

        void sleep(Duration d) throws InterruptedException;
    }

    /** Polls once; may throw to abort the wait. */
    @FunctionalInterface
    public interface Poll<T> {
        T poll();
    }

    /** Told after each poll, to print one console line per attempt. */
    @FunctionalInterface
    public interface AttemptListener<T> {
        void attempted(int attempt, T value, Duration elapsed);
    }

    private final Poll<T> poll;
    private final List<Acceptor<T>> acceptors;
    private final Backoff backoff;
    private final Duration timeout;
    private final int maxAttempts;
    private final Clock clock;
    private final AttemptListener<T> listener;

    private Waiter(Builder<T> b) {
        this.poll = Objects.requireNonNull(b.poll, "poll");
        this.acceptors = List.copyOf(b.acceptors);
        this.backoff = Objects.requireNonNull(b.backoff, "backoff");
        this.timeout = Objects.requireNonNull(b.timeout, "timeout");
        this.maxAttempts = b.maxAttempts;
        this.clock = b.clock;
        this.listener = b.listener;
        if (acceptors.stream().noneMatch(a -> a.state() == State.SUCCESS)) {
            throw new IllegalArgumentException("a waiter needs a success acceptor");
        }
        if (timeout.isNegative() || timeout.isZero() || maxAttempts < 1) {
            throw new IllegalArgumentException("a waiter needs a positive timeout and at least one attempt");
        }
    }

    public static <T> Builder<T> builder(Poll<T> poll) {
        return new Builder<>(poll);
    }

    /** Polls until an acceptor ends the wait, the timeout passes or the attempts run out. */
    public Result<T> run() throws InterruptedException {
        long start = clock.nanoTime();
        List<Duration> delays = new ArrayList<>();
        int attempt = 0;
        while (true) {
            attempt++;
            Result<T> end = attempt(attempt, start, delays);
            if (end != null) {
                return end;
            }
            clock.sleep(delays.get(delays.size() - 1));
        }
    }

    /**
     * The same wait without a thread waiting: each attempt is a task on {@code scheduler}, the
     * pause between attempts a scheduled delay. Completes with the result, or exceptionally when
     * a poll throws; completing or cancelling the future from outside ends the polls.
     */
    public CompletableFuture<Result<T>> schedule(ScheduledExecutorService scheduler) {
        CompletableFuture<Result<T>> result = new CompletableFuture<>();
        long start = clock.nanoTime();
        List<Duration> delays = new ArrayList<>();
        Runnable step = new Runnable() {
            private int attempt;

            @Override
            public void run() {
                if (result.isDone()) {
                    return;
                }
                try {
                    Result<T> end = attempt(++attempt, start, delays);
                    if (end != null) {
                        result.complete(end);
                    } else {
                        scheduler.schedule(this, delays.get(delays.size() - 1).toMillis(), TimeUnit.MILLISECONDS);
                    }
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        };
        scheduler.execute(step);
        return result;
    }

    /** One poll, matched: the end of the wait, or null with the pause before the next attempt appended to {@code delays}. */
    private Result<T> attempt(int attempt, long start, List<Duration> delays) {
        T value = poll.poll();
        Duration elapsed = Duration.ofNanos(clock.nanoTime() - start);
        listener.attempted(attempt, value, elapsed);
        for (Acceptor<T> a : acceptors) {
            if (a.matches().test(value)) {
                if (a.state() == State.SUCCESS) {
                    return new Result<>(Matched.SUCCESS, value, attempt, elapsed, delays, a.message().apply(value));
                }
                if (a.state() == State.FAILURE) {
                    return new Result<>(Matched.FAILURE, value, attempt, elapsed, delays, a.message().apply(value));
                }
                break;
            }
        }
        Duration remaining = timeout.minus(elapsed);
        if (attempt >= maxAttempts || remaining.isNegative() || remaining.isZero()) {
            String why = attempt >= maxAttempts ? "gave up after " + attempt + " attempts" : "timed out";
            return new Result<>(Matched.TIMEOUT, value, attempt, elapsed, delays, why);
        }
        Duration delay = backoff.delayAfter(attempt);
        if (delay.compareTo(remaining) > 0) {
            delay = remaining;
        }
        delays.add(delay);
        return null;
    }

    public static final class Builder<T> {
        private final Poll<T> poll;
        private final List<Acceptor<T>> acceptors = new ArrayList<>();
        private Backoff backoff = Backoff.SNAPSHOT;
        private Duration timeout;
        private int maxAttempts = Integer.MAX_VALUE;
        private Clock clock = Clock.SYSTEM;
        private AttemptListener<T> listener = (attempt, value, elapsed) -> { };

        private Builder(Poll<T> poll) {
            this.poll = poll;
        }

        public Builder<T> succeedWhen(Predicate<T> matches, Function<T, String> message) {
            acceptors.add(new Acceptor<>(State.SUCCESS, matches, message));
            return this;
        }

        public Builder<T> failWhen(Predicate<T> matches, Function<T, String> message) {
            acceptors.add(new Acceptor<>(State.FAILURE, matches, message));
            return this;
        }

        public Builder<T> retryWhen(Predicate<T> matches, Function<T, String> message) {
            acceptors.add(new Acceptor<>(State.RETRY, matches, message));
            return this;
        }

        public Builder<T> backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        public Builder<T> timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder<T> maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder<T> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder<T> onAttempt(AttemptListener<T> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Waiter<T> build() {
            return new Waiter<>(this);
        }
    }
}
