package io.releasepilot.bench.snapshot;

import io.releasepilot.engine.snapshot.Backoff;
import io.releasepilot.engine.snapshot.DatabasePassword;
import io.releasepilot.engine.snapshot.PostgresSnapshotRequest;
import io.releasepilot.engine.snapshot.PostgresSnapshotter;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.snapshot.SnapshotLabels;
import io.releasepilot.engine.snapshot.SnapshotResult;
import io.releasepilot.engine.snapshot.Waiter;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.sandbox.servers.LocalPostgres;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code release-pilot bench snapshot}.
 * <ul>
 *   <li>postgres: a whole Release Pilot snapshot (pg_dump -Fc, pg_restore --list, sha256, manifest,
 *       audit record) against the bare minimum a careful person would run by hand, {@code pg_dump -Fc}
 *       then {@code sha256sum}, of the same database on a scratch server in the same run; best of 3 each.</li>
 *   <li>rds: the status checks the snapshot {@link Waiter} makes for a snapshot that takes 10
 *       minutes (simulated time: no AWS here), against the AWS SDK's own
 *       {@code waitUntilDBSnapshotAvailable}, which checks every 30 s.</li>
 * </ul>
 */
public final class SnapshotBenchmark {

    private static final Origin ORIGIN = new Origin("bench", "cli://bench");
    private static final Duration SIMULATED_SNAPSHOT = Duration.ofMinutes(10);
    /** The AWS SDK v2 waiter for DBSnapshotAvailable: a fixed 30 s between attempts. */
    private static final Duration SDK_WAITER_DELAY = Duration.ofSeconds(30);

    private final Path workDir;
    private final int rows;
    private final ProgressListener progress;

    public SnapshotBenchmark(Path workDir, int rows, ProgressListener progress) {
        this.workDir = workDir;
        this.rows = rows;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        List<Figure> figures = new ArrayList<>(postgres());
        figures.addAll(rdsWait());
        return new BenchReport("snapshot", figures);
    }

    private List<Figure> postgres() throws Exception {
        progress.line("[bench snapshot] starting a scratch PostgreSQL server");
        try (LocalPostgres pg = LocalPostgres.start("rp_bench")) {
            pg.sql("postgres", "CREATE DATABASE bench");
            progress.line("[bench snapshot] filling %,d rows", rows);
            pg.sql("bench", "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, created timestamptz NOT NULL)");
            pg.sql("bench", "INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', now() - (g || ' minutes')::interval "
                    + "FROM generate_series(1, " + rows + ") g");
            pg.sql("bench", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total numeric(12,2), "
                    + "note text)");
            pg.sql("bench", "INSERT INTO orders SELECT g, 1 + g % " + rows + ", (g % 9973) * 1.07, md5(g::text) FROM generate_series(1, " + rows + ") g");
            Path ours = Files.createDirectories(workDir.resolve("snapshots"));
            Path raw = Files.createDirectories(workDir.resolve("raw"));
            LocalProcessLauncher launcher = new LocalProcessLauncher();
            PostgresSnapshotter snapshotter = new PostgresSnapshotter(launcher, ProgressListener.SILENT).withBinDirectory(pg.bin().toString());
            double best = Double.MAX_VALUE;
            double bestRaw = Double.MAX_VALUE;
            long size = 0;
            try (AuditStore audit = AuditStores.open(new AuditStores.Config(workDir.resolve("audit").toString()))) {
                for (int run = 1; run <= 3; run++) {
                    PostgresSnapshotRequest request = new PostgresSnapshotRequest("127.0.0.1", pg.port(), "bench", pg.user(),
                            DatabasePassword.of(pg.password()), ours.toString(), "bench-" + run, new SnapshotLabels("bench", "INT", null, null),
                            null, Duration.ofHours(1), false);
                    long start = System.nanoTime();
                    SnapshotResult result = snapshotter.snapshot(request, new RunId("bench-snapshot-" + run), audit, ORIGIN);
                    double took = (System.nanoTime() - start) / 1e9;
                    best = Math.min(best, took);
                    size = Long.parseLong(result.facts().get("sizeBytes"));
                    double tookRaw = rawDumpAndSha256(pg, raw.resolve("raw-" + run + ".dump"));
                    bestRaw = Math.min(bestRaw, tookRaw);
                    progress.line("[bench snapshot] run %d: release-pilot %.3f s, pg_dump -Fc + sha256sum %.3f s", run, took, tookRaw);
                }
            }
            return List.of(
                    Figure.ratio(String.format("postgres snapshot of %,d rows (vs pg_dump -Fc + sha256sum)", rows * 2), best, bestRaw, "s", 1.10),
                    Figure.plain("postgres dump size", size / 1e6, "MB", null));
        }
    }

    private static double rawDumpAndSha256(LocalPostgres pg, Path file) throws IOException, InterruptedException {
        long start = System.nanoTime();
        ProcessBuilder dump = new ProcessBuilder(pg.bin().resolve("pg_dump").toString(), "-Fc", "-h", "127.0.0.1", "-p", String.valueOf(pg.port()),
                "-U", pg.user(), "-f", file.toString(), "bench").redirectErrorStream(true);
        dump.environment().put("PGPASSWORD", pg.password());
        runOrFail(dump, "pg_dump");
        runOrFail(new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true), "sha256sum");
        return (System.nanoTime() - start) / 1e9;
    }

    private static void runOrFail(ProcessBuilder pb, String what) throws IOException, InterruptedException {
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(what + " failed: " + out);
        }
    }

    /** A simulated clock: sleeping only moves time forward. */
    private static final class SimulatedClock implements Waiter.Clock {
        private long nanos;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleep(Duration d) {
            nanos += d.toNanos();
        }
    }

    private List<Figure> rdsWait() throws InterruptedException {
        SimulatedClock clock = new SimulatedClock();
        Waiter.Result<Duration> ours = Waiter.<Duration>builder(() -> Duration.ofNanos(clock.nanoTime()))
                .succeedWhen(t -> t.compareTo(SIMULATED_SNAPSHOT) >= 0, t -> "available")
                .retryWhen(t -> true, t -> "creating")
                .backoff(Backoff.SNAPSHOT)
                .timeout(Duration.ofHours(1))
                .clock(clock)
                .build()
                .run();
        int sdkCalls = (int) (SIMULATED_SNAPSHOT.toSeconds() / SDK_WAITER_DELAY.toSeconds()) + 1;
        String schedule = ours.delays().stream().map(SnapshotBenchmark::seconds).collect(Collectors.joining(", "));
        progress.line("[bench snapshot] rds: status checks for a 10-minute snapshot: %d (pauses %s), SDK waiter: %d (every 30 s)",
                ours.attempts(), schedule, sdkCalls);
        double noticedAfter = ours.elapsed().minus(SIMULATED_SNAPSHOT).toMillis() / 1000.0;
        return List.of(
                Figure.ratio("rds: API calls to wait for a 10-minute snapshot (vs SDK waiter, 30 s fixed)", ours.attempts(), sdkCalls, "calls", 1.0),
                Figure.plain("rds: seconds from available to noticed (simulated)", noticedAfter, "s", 60.0),
                Figure.plain("rds: backoff pauses " + schedule, ours.delays().size(), "pauses", null));
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Durations.format(d) : String.format("%.1fs", d.toMillis() / 1000.0);
    }
}
