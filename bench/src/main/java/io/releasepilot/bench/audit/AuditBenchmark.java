package io.releasepilot.bench.audit;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditChain;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.AuditVerifier;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.audit.AuditRecordColumns;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code release-pilot bench audit}: the cost of the chain and of verification, and how the
 * dashboard's queries grow with the store, each against a baseline measured in the same run.
 */
public final class AuditBenchmark {

    private static final Origin ORIGIN = new Origin("bench", "cli://bench");
    private static final String[] ENVIRONMENTS = {"INT", "UAT", "PROD"};
    private static final int SERVICES = 200;

    private final Path workDir;
    private final int largeRecords;
    private final ProgressListener progress;

    public AuditBenchmark(Path workDir, int largeRecords, ProgressListener progress) {
        this.workDir = workDir;
        this.largeRecords = largeRecords;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        List<Figure> figures = new ArrayList<>();
        figures.addAll(appendThroughput(1, 3000));
        figures.addAll(appendThroughput(8, 6000));
        int small = Math.min(10_000, largeRecords);
        Path smallDir = workDir.resolve("store-small");
        Path largeDir = workDir.resolve("store-large");
        fill(smallDir, small);
        fill(largeDir, largeRecords);
        figures.add(verifyVersusSha256sum(largeDir));
        figures.addAll(queryGrowth(smallDir, small, largeDir, largeRecords));
        return new BenchReport("audit", figures);
    }

    /**
     * Durable chained appends vs the same inserts, durable, with no chain, into an identical table
     * of the same database. Both are warmed up first (the JIT and the driver, untimed), then
     * measured in alternating rounds so neither profits from running second.
     */
    private List<Figure> appendThroughput(int writers, int total) throws Exception {
        Path dir = workDir.resolve("append-" + writers);
        progress.line("[bench audit] %d writer(s): %d chained appends vs %d plain inserts", writers, total, total);
        int rounds = 6;
        int perRound = total / rounds;
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()));
             PlainInserts plain = new PlainInserts(AuditStores.jdbcUrl(dir.toString()))) {
            Task chainedAppend = i -> store.append(event(i), ORIGIN);
            timeParallel(writers, WARM_UP, chainedAppend);
            timeParallel(writers, WARM_UP, plain::insert);
            double chained = 0;
            double unchained = 0;
            for (int round = 0; round < rounds; round++) {
                chained += timeParallel(writers, perRound, chainedAppend);
                unchained += timeParallel(writers, perRound, plain::insert);
            }
            int measured = perRound * rounds;
            String label = "append, " + writers + " writer" + (writers > 1 ? "s" : "");
            return List.of(Figure.ratio(label + ": time per 1000 records (chained vs plain insert)",
                            chained / measured * 1000, unchained / measured * 1000, "s", 1.5),
                    Figure.plain(label + ": chained records per second", measured / chained, "rec/s", null),
                    Figure.plain(label + ": plain inserts per second", measured / unchained, "rec/s", null));
        }
    }

    private static final int WARM_UP = 300;

    /** The baseline: the same rows into a table like audit_record, one autocommitted insert each. */
    private static final class PlainInserts implements AutoCloseable {
        private static final String INSERT = "INSERT INTO bench_plain (seq, time_ms, actor, origin, action, service, environment, "
                + "namespace, target, release_name, image, previous_image, outcome, reason, details, prev_hash, hash) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

        private final String url;
        private final AtomicLong seq = new AtomicLong();
        private final List<Connection> opened = new ArrayList<>();
        private final ThreadLocal<Connection> connections;

        PlainInserts(String url) throws SQLException {
            this.url = url;
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                // The same table and indexes as audit_record (V1__audit_trail.sql), without the chain.
                s.execute("CREATE TABLE bench_plain (seq BIGINT NOT NULL PRIMARY KEY, time_ms BIGINT NOT NULL, actor VARCHAR(256) NOT NULL, "
                        + "origin VARCHAR(2048) NOT NULL, action VARCHAR(32) NOT NULL, service VARCHAR(253) NOT NULL, environment VARCHAR(32), "
                        + "namespace VARCHAR(253), target VARCHAR(1024), release_name VARCHAR(256), image VARCHAR(1024), "
                        + "previous_image VARCHAR(1024), outcome VARCHAR(16) NOT NULL, reason VARCHAR(8192), details VARCHAR(65536) NOT NULL, "
                        + "prev_hash CHAR(64) NOT NULL, hash CHAR(64) NOT NULL)");
                s.execute("CREATE INDEX bench_plain_service ON bench_plain (service, seq)");
                s.execute("CREATE INDEX bench_plain_environment ON bench_plain (environment, seq)");
                s.execute("CREATE INDEX bench_plain_action ON bench_plain (action, seq)");
                s.execute("CREATE INDEX bench_plain_time ON bench_plain (time_ms)");
                s.execute("CREATE INDEX bench_plain_image ON bench_plain (image, environment, action)");
            }
            this.connections = ThreadLocal.withInitial(this::open);
        }

        private Connection open() {
            try {
                Connection c = DriverManager.getConnection(url);
                synchronized (opened) {
                    opened.add(c);
                }
                return c;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        Object insert(int i) throws SQLException {
            AuditRecord unchained = new AuditRecord(seq.incrementAndGet(), Instant.now(), ORIGIN.actor(), ORIGIN.origin(), event(i),
                    AuditChain.GENESIS, AuditChain.GENESIS);
            try (PreparedStatement ps = connections.get().prepareStatement(INSERT)) {
                AuditRecordColumns.bind(ps, unchained);
                ps.executeUpdate();
            }
            return null;
        }

        @Override
        public void close() throws SQLException {
            synchronized (opened) {
                for (Connection c : opened) {
                    c.close();
                }
            }
        }
    }

    private interface Task {
        Object run(int i) throws Exception;
    }

    private static double timeParallel(int writers, int total, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            AtomicLong next = new AtomicLong();
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                futures.add(pool.submit(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < total) {
                        task.run((int) i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Fills a store with {@code count} chained records spread over services and environments. */
    private void fill(Path dir, int count) {
        progress.line("[bench audit] filling a store with %,d records", count);
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()))) {
            int batch = 5000;
            List<AuditEvent> events = new ArrayList<>(batch);
            for (int i = 0; i < count; i++) {
                events.add(event(i));
                if (events.size() == batch || i == count - 1) {
                    store.appendAll(events, ORIGIN);
                    events.clear();
                }
            }
        }
    }

    private Figure verifyVersusSha256sum(Path dir) throws Exception {
        progress.line("[bench audit] verify vs sha256sum over the export of the same records");
        Path export = workDir.resolve("export.jsonl");
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()));
             BufferedWriter w = Files.newBufferedWriter(export, StandardCharsets.UTF_8)) {
            long after = 0;
            List<AuditRecord> page;
            do {
                page = store.after(after, AuditVerifier.PAGE);
                for (AuditRecord r : page) {
                    w.write(CanonicalJson.withHash(r));
                    w.write('\n');
                }
                if (!page.isEmpty()) {
                    after = page.get(page.size() - 1).seq();
                }
            } while (page.size() == AuditVerifier.PAGE);
        }
        double verify = Double.MAX_VALUE;
        double sha = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()))) {
                long start = System.nanoTime();
                Verification v = AuditVerifier.verify(store, null);
                verify = Math.min(verify, (System.nanoTime() - start) / 1e9);
                if (!v.ok()) {
                    throw new IllegalStateException("the benchmark store does not verify: " + v.problem().message());
                }
            }
            long start = System.nanoTime();
            Process p = new ProcessBuilder("sha256sum", export.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("sha256sum failed");
            }
            sha = Math.min(sha, (System.nanoTime() - start) / 1e9);
        }
        Files.deleteIfExists(export);
        return Figure.ratio(String.format("verify %,d records (vs sha256sum of their export)", largeRecords), verify, sha, "s", 3.0);
    }

    private List<Figure> queryGrowth(Path smallDir, int small, Path largeDir, int large) {
        progress.line("[bench audit] dashboard queries at %,d vs %,d records", large, small);
        double[] smallTimes;
        double[] largeTimes;
        try (AuditStore s = AuditStores.open(new AuditStores.Config(smallDir.toString()))) {
            smallTimes = queryTimes(s);
        }
        try (AuditStore l = AuditStores.open(new AuditStores.Config(largeDir.toString()))) {
            largeTimes = queryTimes(l);
        }
        String[] names = {"latest per service × environment", "history of one service (page of 50)", "feed after a given seq (100)"};
        List<Figure> out = new ArrayList<>();
        for (int q = 0; q < names.length; q++) {
            out.add(Figure.ratio(String.format("query %s at %,d vs %,d records", names[q], large, small),
                    largeTimes[q] * 1000, smallTimes[q] * 1000, "ms", 2.0));
        }
        return out;
    }

    /** Median time of each dashboard query, after a warm-up. */
    private static double[] queryTimes(AuditStore store) {
        long head = store.head().seq();
        List<Supplier<Object>> queries = List.of(
                store::cells,
                () -> store.history("svc-7", null, 50),
                () -> store.after(Math.max(0, head - 100), 100));
        double[] medians = new double[queries.size()];
        for (int q = 0; q < queries.size(); q++) {
            for (int warm = 0; warm < 20; warm++) {
                queries.get(q).get();
            }
            double[] samples = new double[41];
            for (int i = 0; i < samples.length; i++) {
                long start = System.nanoTime();
                queries.get(q).get();
                samples[i] = (System.nanoTime() - start) / 1e9;
            }
            Arrays.sort(samples);
            medians[q] = samples[samples.length / 2];
        }
        return medians;
    }

    private static AuditEvent event(int i) {
        AuditAction action = switch (i % 10) {
            case 0, 1, 2 -> AuditAction.CANARY_ADVANCED;
            case 3, 4 -> AuditAction.PROMOTED;
            case 5 -> AuditAction.IMAGE_BUILT;
            case 6 -> AuditAction.ROLLED_BACK;
            case 7 -> AuditAction.SNAPSHOT_CREATED;
            case 8 -> AuditAction.CANARY_STARTED;
            default -> AuditAction.NOTE;
        };
        String digest = String.format("sha256:%064x", (long) i * 2654435761L);
        return AuditEvent.builder(action, "svc-" + (i % SERVICES))
                .environment(action == AuditAction.IMAGE_BUILT ? null : ENVIRONMENTS[(i / SERVICES) % ENVIRONMENTS.length])
                .namespace("shop")
                .target("deployment/svc-" + (i % SERVICES))
                .release("1." + (i / 1000) + "." + (i % 1000))
                .image("registry.example.com/shop/svc@" + digest)
                .previousImage("registry.example.com/shop/svc@sha256:" + "ab".repeat(32))
                .reason(i % 7 == 0 ? "scheduled release" : null)
                .detail("weight", action.effect() == AuditAction.Effect.CANARY ? 10 + i % 90 : null)
                .detail("build", "https://jenkins.example.com/job/shop/" + i + "/")
                .build();
    }
}
