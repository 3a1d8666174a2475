package io.releasepilot.engine.act;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The few threads on which every waiting act polls, so that a hundred canaries waiting at once
 * in one Jenkins controller hold a handful of threads, not a hundred. Each poll is short (one
 * read of the cluster or an alert source) and reschedules itself; none blocks.
 */
public final class ActScheduler {

    private static final int THREADS = 4;
    private static final ScheduledExecutorService SHARED = create("release-pilot-act", THREADS);

    private ActScheduler() {
    }

    /** The engine's shared scheduler (daemon threads, never shut down). */
    public static ScheduledExecutorService shared() {
        return SHARED;
    }

    /** A scheduler of its own, for a host that wants to shut its acts' polls down with itself. */
    public static ScheduledExecutorService create(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, factory);
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
