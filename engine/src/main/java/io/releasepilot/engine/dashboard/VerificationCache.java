package io.releasepilot.engine.dashboard;

import io.releasepilot.engine.audit.AuditIntegrityException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditVerifier;
import io.releasepilot.engine.audit.Verification;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The audit trail's verification status, re-checked in the background: never on a request's
 * thread, at most once per interval, and only when records were appended since the last check.
 */
public final class VerificationCache implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(VerificationCache.class.getName());

    /** Where verification stands. */
    public enum State {
        /** The first check has not finished yet. */
        PENDING,
        /** Every hash, link and checkpoint matched. */
        INTACT,
        /** The trail was changed: {@link Status#problem()} names the first bad record. */
        FAILED,
        /** The store could not be read: {@link Status#error()} says why. */
        ERROR
    }

    /**
     * @param records            how many records the last finished check covered
     * @param signaturesChecked  whether checkpoint signatures were checked with a public key
     */
    public record Status(State state, long records, Instant checkedAt, Verification.Problem problem, String error,
                         boolean signaturesChecked) {
    }

    private final AuditStore store;
    private final PublicKey publicKey;
    private final Duration interval;
    private final Clock clock;
    private final ExecutorService worker;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Status current;
    private volatile long checkedHead = -1;
    private volatile Instant lastStart;
    private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

    VerificationCache(AuditStore store, PublicKey publicKey, Duration interval, Clock clock) {
        this.store = store;
        this.publicKey = publicKey;
        this.interval = interval;
        this.clock = clock;
        this.current = new Status(State.PENDING, 0, null, null, null, publicKey != null);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "release-pilot-audit-verify");
            t.setDaemon(true);
            return t;
        });
    }

    /** The latest finished check (or PENDING); starts a new one in the background when due. */
    public Status current() {
        startIfDue();
        return current;
    }

    /** Starts a check in the background if none runs and the trail grew since the last one. */
    void startIfDue() {
        Instant now = clock.instant();
        if (lastStart != null && Duration.between(lastStart, now).compareTo(interval) < 0) {
            return;
        }
        if (!running.compareAndSet(false, true)) {
            return;
        }
        lastStart = now;
        try {
            inFlight = CompletableFuture.runAsync(this::check, worker);
        } catch (RejectedExecutionException closed) {
            running.set(false);
        }
    }

    private void check() {
        try {
            long head = store.head().seq();
            if (head == checkedHead && current.state() != State.ERROR) {
                return;
            }
            Verification v = AuditVerifier.verify(store, publicKey);
            current = new Status(v.ok() ? State.INTACT : State.FAILED, v.records(), clock.instant(), v.problem(), null,
                    publicKey != null);
            checkedHead = head;
        } catch (AuditIntegrityException e) {
            current = new Status(State.FAILED, current.records(), clock.instant(),
                    new Verification.Problem(0, Verification.Kind.TAIL, e.getMessage()), null, publicKey != null);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "audit verification could not run", e);
            current = new Status(State.ERROR, current.records(), clock.instant(), null, e.getMessage(), publicKey != null);
        } finally {
            running.set(false);
        }
    }

    /** Waits until the check running now, if any, has finished (tests and benches use this). */
    public void awaitIdle(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        inFlight.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
