package io.releasepilot.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a serving command until Ctrl-C or SIGTERM. The JVM's shutdown hook releases
 * {@link #await()} and then holds the JVM (up to 10 s) until the command has closed
 * what it opened and called {@link #close()}.
 */
final class StopSignal implements AutoCloseable {

    /** How long the shutdown hook waits for the command to close its servers and stores. */
    private static final long GRACE_SECONDS = 10;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;

    /** Arms the hook; {@code name} names its thread. */
    StopSignal(String name) {
        this(name, null);
    }

    /**
     * Arms the hook, which also interrupts {@code worker} (when not null): a command busy with
     * other work than {@link #await()} stops it and closes the servers it started, rather than
     * leaving them behind when the JVM exits.
     */
    StopSignal(String name, Thread worker) {
        this.hook = new Thread(() -> {
            stop.countDown();
            if (worker != null) {
                worker.interrupt();
            }
            try {
                stopped.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Blocks until Ctrl-C or SIGTERM. */
    void await() throws InterruptedException {
        stop.await();
    }

    /** Disarms the hook, or, when it is running, lets it end: the command has closed what it opened. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and waits for the latch below
        }
        stopped.countDown();
    }
}
