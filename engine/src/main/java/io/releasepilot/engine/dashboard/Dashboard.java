package io.releasepilot.engine.dashboard;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.engine.release.Placement;
import io.releasepilot.engine.release.ReleaseLedger;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The dashboard's read model over the audit trail: what runs where, a service's history, the
 * feed, the DORA figures and the verification status. Every read costs O(cells) or O(page), not
 * O(store): the matrix comes from the store's cell table, history and feed are index range reads,
 * and the figures are kept up to date incrementally.
 */
public final class Dashboard implements AutoCloseable {

    public static final int MAX_PAGE = 200;
    public static final String PAGE_FORM = "a whole number from 1 to " + MAX_PAGE;

    /**
     * @param doraWindow     how far back the DORA figures and window metrics look
     * @param verifyInterval the least time between two background verifications
     * @param publicKey      the checkpoint key's public half, or null to check the chain without signatures
     */
    public record Config(Lifecycle lifecycle, Duration doraWindow, Duration verifyInterval, PublicKey publicKey, Clock clock) {

        public Config {
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(doraWindow, "doraWindow");
            Objects.requireNonNull(verifyInterval, "verifyInterval");
            Objects.requireNonNull(clock, "clock");
        }

        public static Config defaults() {
            return new Config(Lifecycle.DEFAULT, Duration.ofDays(30), Duration.ofMinutes(1), null, Clock.systemUTC());
        }

        public Config withLifecycle(Lifecycle value) {
            return new Config(value, doraWindow, verifyInterval, publicKey, clock);
        }

        public Config withPublicKey(PublicKey value) {
            return new Config(lifecycle, doraWindow, verifyInterval, value, clock);
        }

        public Config withClock(Clock value) {
            return new Config(lifecycle, doraWindow, verifyInterval, publicKey, value);
        }

        public Config withVerifyInterval(Duration value) {
            return new Config(lifecycle, doraWindow, value, publicKey, clock);
        }
    }

    /** The matrix and the figures beside it. */
    public record Summary(List<String> environments, List<String> services, List<Placement> cells, long records,
                          DoraFigures dora, VerificationCache.Status verification) {
    }

    /** One page of a service's history, newest first; {@code nextBefore} pages on (null at the end). */
    public record HistoryPage(String service, List<AuditRecord> records, Long nextBefore) {
    }

    private final AuditStore store;
    private final Config config;
    private final ReleaseLedger ledger;
    private final DeliveryProjection delivery;
    private final VerificationCache verification;
    private volatile Matrix matrix;

    public Dashboard(AuditStore store, Config config) {
        this.store = store;
        this.config = config;
        this.ledger = new ReleaseLedger(store, config.lifecycle());
        List<String> envs = config.lifecycle().environments();
        this.delivery = new DeliveryProjection(store, envs.get(envs.size() - 1), config.doraWindow(), config.clock());
        this.verification = new VerificationCache(store, config.publicKey(), config.verifyInterval(), config.clock());
    }

    /** Reads the window of the trail the figures need and starts the first verification. */
    public void warmUp() {
        delivery.refresh();
        verification.startIfDue();
    }

    public Summary summary() {
        long head = store.head().seq();
        Matrix m = matrix;
        if (m == null || m.head() != head) {
            m = readMatrix(head);
            matrix = m;
        }
        return new Summary(m.environments(), m.services(), m.cells(), head, delivery.figures(), verification.current());
    }

    /**
     * The matrix as of {@code head}. A record appended while it is read makes the next call see a
     * newer head and read again, so a stale matrix never outlives one request.
     */
    private Matrix readMatrix(long head) {
        List<Placement> cells = ledger.whatRunsWhere();
        Set<String> environments = new LinkedHashSet<>(config.lifecycle().environments());
        Set<String> extra = new TreeSet<>();
        Set<String> services = new TreeSet<>();
        for (Placement p : cells) {
            services.add(p.service());
            if (!environments.contains(p.environment())) {
                extra.add(p.environment());
            }
        }
        environments.addAll(extra);
        return new Matrix(head, List.copyOf(environments), List.copyOf(services), List.copyOf(cells));
    }

    /** What runs where, read at a chain head: re-read only when the head moves. */
    private record Matrix(long head, List<String> environments, List<String> services, List<Placement> cells) {
    }

    public HistoryPage history(String service, Long before, int limit) {
        String name = Names.service(service);
        requirePage(limit);
        List<AuditRecord> records = store.history(name, before, limit);
        Long next = records.size() == limit ? records.get(records.size() - 1).seq() : null;
        return new HistoryPage(name, records, next);
    }

    /** The newest records, newest first. */
    public List<AuditRecord> newest(int limit) {
        requirePage(limit);
        return store.list(AuditFilter.newest(limit));
    }

    /** Records after a sequence number, oldest first: what a poller has not seen yet. */
    public List<AuditRecord> after(long afterSeq, int limit) {
        requirePage(limit);
        return store.after(afterSeq, limit);
    }

    public VerificationCache.Status verification() {
        return verification.current();
    }

    public VerificationCache verificationCache() {
        return verification;
    }

    public DoraFigures dora() {
        return delivery.figures();
    }

    /** Successful promotions per environment within the DORA window. */
    public Map<String, Integer> promotionsInWindow() {
        return delivery.promotionsPerEnvironment();
    }

    /** Successful rollbacks per environment within the DORA window. */
    public Map<String, Integer> rollbacksInWindow() {
        return delivery.rollbacksPerEnvironment();
    }

    /** Durations in seconds of canaries that ended within the window. */
    public double[] canaryDurationsInWindow() {
        return delivery.canaryDurations();
    }

    public Config config() {
        return config;
    }

    private static void requirePage(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidInputException("limit", String.valueOf(limit), PAGE_FORM);
        }
    }

    /** Stops the background verification; the store stays open (its owner closes it). */
    @Override
    public void close() {
        verification.close();
    }
}
