package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.act.LeaseConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds one act's lease on its Deployment: takes it (at once, or polling for it up to a bounded
 * wait), renews it in the background on the scheduler while the act runs, and releases it. Each
 * renewal reads the stable Deployment, so the act also learns there within a renewal period that
 * the brake was applied or that its lease was taken from it.
 */
final class LeaseKeeper {

    private static final Logger LOGGER = Logger.getLogger(LeaseKeeper.class.getName());
    private static final Duration POLL = Duration.ofSeconds(1);

    private final DeploymentTarget target;
    private final ScheduledExecutorService scheduler;
    private final Duration ttl;
    private volatile RunLock lease;
    private volatile ScheduledFuture<?> renewal;
    private volatile boolean released;

    LeaseKeeper(DeploymentTarget target, RunLock lease, ScheduledExecutorService scheduler, Duration ttl) {
        this.target = target;
        this.lease = lease;
        this.scheduler = scheduler;
        this.ttl = ttl;
    }

    /** The lease as last written: what every write of the act puts back on the Deployment. */
    RunLock current() {
        return lease;
    }

    /**
     * Takes the lease in one resourceVersion-checked write that also applies {@code firstWrite}
     * (the act's record), or fails with the conflict naming the holder.
     */
    void acquire(UnaryOperator<Deployment> firstWrite) {
        lease = lease.renewed(ttl);
        target.acquire(lease, firstWrite);
    }

    /**
     * Takes the lease, polling on the scheduler while another run holds it, for at most {@code wait};
     * with no wait, at once or not at all (the conflict is thrown to the caller).
     */
    CompletableFuture<Void> acquireWithin(Duration wait, UnaryOperator<Deployment> firstWrite, Consumer<String> waiting) {
        try {
            acquire(firstWrite);
            return CompletableFuture.completedFuture(null);
        } catch (LeaseConflictException busy) {
            if (wait.isZero()) {
                throw busy;
            }
            waiting.accept("waiting up to " + io.releasepilot.engine.input.Durations.format(wait) + " for the lease of run "
                    + busy.holder());
            CompletableFuture<Void> taken = new CompletableFuture<>();
            poll(Instant.now().plus(wait), firstWrite, taken);
            return taken;
        }
    }

    private void poll(Instant giveUp, UnaryOperator<Deployment> firstWrite, CompletableFuture<Void> taken) {
        scheduler.schedule(() -> {
            if (taken.isDone()) {
                return;
            }
            try {
                acquire(firstWrite);
                taken.complete(null);
            } catch (LeaseConflictException busy) {
                if (Instant.now().isBefore(giveUp)) {
                    poll(giveUp, firstWrite, taken);
                } else {
                    taken.completeExceptionally(busy);
                }
            } catch (RuntimeException failed) {
                taken.completeExceptionally(failed);
            }
        }, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Renews the lease every third of its time to live. {@code onRead} sees the stable Deployment
     * each renewal read; {@code onLost} is told when the lease cannot be renewed (another run took
     * it after it lapsed, or the API server did not answer for a whole time to live).
     */
    void keepRenewed(Consumer<Deployment> onRead, Consumer<RuntimeException> onLost) {
        long period = Math.max(1, ttl.toMillis() / 3);
        Instant[] lastRenewed = {Instant.now()};
        renewal = scheduler.scheduleAtFixedRate(() -> {
            if (released) {
                return;
            }
            try {
                RunLock next = lease.renewed(ttl);
                target.renew(next, onRead);
                lease = next;
                lastRenewed[0] = Instant.now();
            } catch (LeaseConflictException taken) {
                stopRenewing();
                onLost.accept(taken);
            } catch (RuntimeException failed) {
                // One missed renewal is survivable: the lease still has two thirds of its life.
                if (Duration.between(lastRenewed[0], Instant.now()).compareTo(ttl) >= 0) {
                    stopRenewing();
                    onLost.accept(new EnvironmentException("the lease on " + target.label() + " could not be renewed for "
                            + io.releasepilot.engine.input.Durations.format(ttl) + ": " + failed.getMessage(), failed));
                } else {
                    LOGGER.log(Level.FINE, "renewing the lease on " + target.label() + " failed; retried", failed);
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    private void stopRenewing() {
        ScheduledFuture<?> r = renewal;
        if (r != null) {
            r.cancel(false);
        }
    }

    /** Stops renewing and removes the lease if it is still this run's. Idempotent. */
    void release() {
        released = true;
        stopRenewing();
        target.release(lease);
    }
}
