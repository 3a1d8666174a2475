package io.releasepilot.engine.alert;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The watch's wait between observations, which something else can cut short: a pushed alert
 * (the Alertmanager webhook) or the guarded body ending.
 */
public final class Wakeup {

    private final Semaphore signals = new Semaphore(0);

    /** Ends the current (or the next) wait at once. */
    public void wake() {
        signals.release();
    }

    /** Waits at most {@code max}; true when woken before it passed. */
    boolean await(Duration max) throws InterruptedException {
        boolean woken = max.isNegative() || max.isZero() ? signals.tryAcquire() : signals.tryAcquire(max.toNanos(), TimeUnit.NANOSECONDS);
        if (woken) {
            signals.drainPermits();
        }
        return woken;
    }
}
