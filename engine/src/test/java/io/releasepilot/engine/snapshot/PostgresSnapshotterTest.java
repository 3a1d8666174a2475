package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.testing.RecordingLauncher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.testing.FreePorts;
import io.releasepilot.engine.testing.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pg_dump snapshots of a real PostgreSQL server (Debian's package) on 127.0.0.1. */
class PostgresSnapshotterTest {

    private static final Origin ORIGIN = new Origin("alice", "https://jenkins.example.com/job/orders/42/");

    /** Each snapshot here is its own run, as each CLI invocation is. */
    private static RunId run() {
        return new RunId("test://" + UUID.randomUUID());
    }
    private static PostgresServer pg;
    private static String database;

    @TempDir
    Path out;

    private final List<String> console = new CopyOnWriteArrayList<>();
    private final RecordingLauncher launcher = new RecordingLauncher();
    private AuditStore audit;

    @BeforeAll
    static void startServer() throws Exception {
        pg = PostgresServer.start();
        database = pg.createDatabase();
        try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)");
            s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), total numeric(12,2))");
            s.execute("INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1500) g");
            s.execute("INSERT INTO orders SELECT g, 1 + g % 1500, g * 1.25 FROM generate_series(1, 4200) g");
        }
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void openAudit() {
        audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:snap" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    @AfterEach
    void closeAudit() {
        audit.close();
    }

    private PostgresSnapshotter snapshotter() {
        return new PostgresSnapshotter(launcher, console::add);
    }

    private PostgresSnapshotRequest request(String template, Integer retain, boolean dryRun) {
        return new PostgresSnapshotRequest("127.0.0.1", pg.port(), database, PostgresServer.SUPERUSER,
                DatabasePassword.of(PostgresServer.PASSWORD), out.toString(), template,
                new SnapshotLabels("orders", "PROD", "1.4.2", ORIGIN.origin()), retain, Duration.ofMinutes(5), dryRun);
    }

    @Test
    void aDumpRestoresIntoAFreshDatabaseWithTheSameRowCounts() throws Exception {
        // Given a database with rows in two tables
        // When it is snapshotted
        SnapshotResult result = snapshotter().snapshot(request(null, null, false), run(), audit, ORIGIN);

        // Then the dump restores into a fresh database holding the same rows
        String fresh = pg.createDatabase();
        ProcessBuilder restore = new ProcessBuilder(pg.binDir().resolve("pg_restore").toString(), "--no-owner",
                "--exit-on-error", "-h", "127.0.0.1", "-p", String.valueOf(pg.port()), "-U", PostgresServer.SUPERUSER, "-d", fresh,
                result.location()).redirectErrorStream(true);
        restore.environment().put("PGPASSWORD", PostgresServer.PASSWORD);
        Process p = restore.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        assertThat(count(fresh, "customers")).isEqualTo(count(database, "customers")).isEqualTo(1500);
        assertThat(count(fresh, "orders")).isEqualTo(count(database, "orders")).isEqualTo(4200);
    }

    @Test
    void theDumpIsNamedFromTheDefaultTemplateAndItsSha256AndSizeAreRecorded() throws Exception {
        SnapshotResult result = snapshotter().snapshot(request(null, null, false), run(), audit, ORIGIN);

        Path dump = Path.of(result.location());
        assertThat(dump.getFileName().toString()).matches("rp-orders-prod-[0-9a-f]{12}\\.dump");
        assertThat(dump.getParent()).isEqualTo(out);
        String sha256 = sha256(dump);
        assertThat(result.facts()).containsEntry("sha256", sha256).containsEntry("sizeBytes", String.valueOf(Files.size(dump)));
        DumpManifest manifest = DumpManifest.parse(Files.readAllBytes(Path.of(dump + DumpManifest.SUFFIX)));
        assertThat(manifest.sha256()).isEqualTo(sha256);
        assertThat(manifest.sizeBytes()).isEqualTo(Files.size(dump));
        assertThat(manifest.managedBy()).isEqualTo("release-pilot");
        assertThat(manifest.tocEntries()).isGreaterThanOrEqualTo(4);
        AuditRecord created = audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)).get(0);
        assertThat(created.event().target()).isEqualTo(result.location());
        assertThat(created.event().outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(created.event().environment()).isEqualTo("PROD");
        assertThat(created.event().release()).isEqualTo("1.4.2");
        assertThat(created.event().details()).containsEntry("sha256", sha256)
                .containsEntry("database", "127.0.0.1:" + pg.port() + "/" + database);
    }

    @Test
    void thePasswordIsNeverOnACommandLineInOutputInTheAuditTrailOrInTheManifest() throws Exception {
        // Given a lock that holds pg_dump in place while every process's command line is read
        List<String> withPassword = new ArrayList<>();
        List<String> pgDumpCommandLines = new ArrayList<>();
        SnapshotResult result;
        ExecutorService background = Executors.newSingleThreadExecutor();
        try (Connection lock = pg.connect(database); Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
            Future<SnapshotResult> running = background.submit(() -> snapshotter().snapshot(request(null, 1, false), run(), audit, ORIGIN));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (String cmdline : commandLines()) {
                    if (cmdline.contains(PostgresServer.PASSWORD)) {
                        withPassword.add(cmdline);
                    }
                    if (cmdline.contains("pg_dump") && cmdline.contains("--format=custom")) {
                        pgDumpCommandLines.add(cmdline);
                    }
                }
                return !pgDumpCommandLines.isEmpty();
            });
            lock.commit();
            result = running.get(60, TimeUnit.SECONDS);
        } finally {
            background.shutdownNow();
        }

        // Then pg_dump ran, with the password in none of the places anyone can read
        assertThat(pgDumpCommandLines).as("pg_dump's command line, read while it ran").isNotEmpty();
        assertThat(withPassword).isEmpty();
        assertThat(launcher.requests).isNotEmpty().allSatisfy(r -> {
            assertThat(String.join(" ", r.command())).doesNotContain(PostgresServer.PASSWORD);
            assertThat(r.environment().values()).doesNotContain(PostgresServer.PASSWORD);
        });
        assertThat(String.join("\n", console)).doesNotContain(PostgresServer.PASSWORD);
        StringBuilder trail = new StringBuilder();
        for (AuditRecord r : audit.after(0, 1000)) {
            trail.append(CanonicalJson.withHash(r));
        }
        assertThat(trail).contains("SNAPSHOT_CREATED").doesNotContain(PostgresServer.PASSWORD);
        assertThat(Files.readString(Path.of(result.location() + DumpManifest.SUFFIX))).doesNotContain(PostgresServer.PASSWORD);
        assertThat(result.toString()).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void thePassfileIsPrivateAndGoneAfterTheDump() throws Exception {
        snapshotter().snapshot(request(null, null, false), run(), audit, ORIGIN);

        assertThat(launcher.privateFiles).hasSize(1);
        assertThat(launcher.privateFiles.get(0).mode()).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        assertThat(Path.of(launcher.privateFiles.get(0).path())).doesNotExist();
        assertThat(launcher.requests.get(0).environment()).containsEntry("PGPASSFILE", launcher.privateFiles.get(0).path());
    }

    @Test
    void retentionRemovesOnlyTheOldestOfThisToolsDumpsOfThatDatabase() throws Exception {
        // Given two earlier dumps of this database, a foreign dump, and a Release Pilot dump of another database
        PostgresSnapshotter snapshotter = snapshotter();
        SnapshotResult first = snapshotter.snapshot(request("orders-1", null, false), run(), audit, ORIGIN);
        SnapshotResult second = snapshotter.snapshot(request("orders-2", null, false), run(), audit, ORIGIN);
        Files.writeString(out.resolve("handmade.dump"), "someone else's dump");
        Path otherDatabase = Files.writeString(out.resolve("other.dump"), "x");
        DumpManifest foreign = new DumpManifest("release-pilot", "other", "other.dump", "custom", "127.0.0.1", pg.port(), "another_db",
                "u", "orders", null, null, null, "2020-01-01T00:00:00Z", "00", 1, 1);
        Files.write(out.resolve("other.dump" + DumpManifest.SUFFIX), foreign.toJson());

        // When a third is taken keeping 2
        SnapshotResult third = snapshotter.snapshot(request("orders-3", 2, false), run(), audit, ORIGIN);

        // Then only the oldest of this database's dumps (and its manifest) went
        assertThat(third.pruned()).extracting(SnapshotResult.PrunedSnapshot::snapshotId).containsExactly("orders-1");
        assertThat(Path.of(first.location())).doesNotExist();
        assertThat(Path.of(first.location() + DumpManifest.SUFFIX)).doesNotExist();
        assertThat(Path.of(second.location())).exists();
        assertThat(Path.of(third.location())).exists();
        assertThat(out.resolve("handmade.dump")).exists();
        assertThat(otherDatabase).exists();
        List<AuditRecord> prunedRecords = audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_PRUNED, null, 10));
        assertThat(prunedRecords).singleElement().satisfies(r -> assertThat(r.event().target()).isEqualTo(first.location()));
    }

    @Test
    void aDryRunWritesAndDeletesNothingButSaysWhatWouldGo() throws Exception {
        PostgresSnapshotter snapshotter = snapshotter();
        SnapshotResult first = snapshotter.snapshot(request("orders-a", null, false), run(), audit, ORIGIN);
        snapshotter.snapshot(request("orders-b", null, false), run(), audit, ORIGIN);
        List<String> before = names();
        long records = audit.head().seq();

        SnapshotResult dry = snapshotter.snapshot(request("orders-c", 2, true), run(), audit, ORIGIN);

        assertThat(dry.created()).isFalse();
        assertThat(dry.pruned()).extracting(SnapshotResult.PrunedSnapshot::location).containsExactly(first.location());
        assertThat(names()).isEqualTo(before);
        assertThat(audit.head().seq()).isEqualTo(records);
        assertThat(console).anyMatch(l -> l.contains("dry run: would prune " + first.location()));
    }

    @Test
    void anUnreachableDatabaseIsAnEnvironmentErrorAndLeavesNoFile() throws Exception {
        PostgresSnapshotRequest unreachable = new PostgresSnapshotRequest("127.0.0.1", FreePorts.next(), database, PostgresServer.SUPERUSER,
                DatabasePassword.of(PostgresServer.PASSWORD), out.toString(), null, new SnapshotLabels("orders", "PROD", null, null),
                null, Duration.ofMinutes(1), false);

        assertThatThrownBy(() -> snapshotter().snapshot(unreachable, run(), audit, ORIGIN))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("pg_dump of 127.0.0.1:" + unreachable.port() + "/" + database)
                .hasMessageContaining("no dump was kept");
        assertThat(names()).isEmpty();
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)))
                .singleElement().satisfies(r -> assertThat(r.event().outcome()).isEqualTo(Outcome.FAILED));
    }

    @Test
    void aWrongPasswordSaysAuthenticationFailedWithoutShowingThePassword() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        PostgresSnapshotRequest bad = new PostgresSnapshotRequest("127.0.0.1", pg.port(), database, PostgresServer.SUPERUSER,
                DatabasePassword.of(wrong), out.toString(), null, new SnapshotLabels("orders", null, null, null), null,
                Duration.ofMinutes(1), false);

        assertThatThrownBy(() -> snapshotter().snapshot(bad, run(), audit, ORIGIN))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
        assertThat(names()).isEmpty();
        assertThat(String.join("\n", console)).doesNotContain(wrong);
    }

    @Test
    void anOutputDirectoryThatCannotBeWrittenIsRejectedBeforeAnythingRuns() {
        PostgresSnapshotRequest toProc = new PostgresSnapshotRequest("127.0.0.1", pg.port(), database, PostgresServer.SUPERUSER,
                DatabasePassword.of(PostgresServer.PASSWORD), "/proc", null, new SnapshotLabels("orders", null, null, null), null,
                null, false);

        assertThatThrownBy(() -> snapshotter().snapshot(toProc, run(), audit, ORIGIN))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid output-dir: '/proc'");
        assertThat(launcher.requests).isEmpty();
        assertThat(audit.head().seq()).isZero();
    }

    @Test
    void anOutputDirectoryThatDoesNotExistIsRejected() {
        String missing = out.resolve("missing").toString();
        PostgresSnapshotRequest request = new PostgresSnapshotRequest("127.0.0.1", pg.port(), database, PostgresServer.SUPERUSER, null,
                missing, null, new SnapshotLabels("orders", null, null, null), null, null, false);

        assertThatThrownBy(() -> snapshotter().preflight(request))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid output-dir: '" + missing + "'");
    }

    @Test
    void anExistingDumpOfTheSameNameIsNeverOverwritten() throws Exception {
        Files.writeString(out.resolve("orders-x.dump"), "precious");

        assertThatThrownBy(() -> snapshotter().snapshot(request("orders-x", null, false), run(), audit, ORIGIN))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("orders-x.dump already exists");
        assertThat(out.resolve("orders-x.dump")).hasContent("precious");
        assertThat(launcher.requests).isEmpty();
    }

    /** Every process's command line, as anyone on the host can read it. */
    @Test
    void anInterruptedDumpLeavesNoFileBehindAndIsRecordedAsFailed() throws Exception {
        // Given pg_dump held by a table lock, half-way through writing its archive
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread snapshotting;
        try (Connection lock = pg.connect(database); Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
            snapshotting = new Thread(() -> {
                try {
                    snapshotter().snapshot(request("orders-aborted", null, false), run(), audit, ORIGIN);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            snapshotting.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(out.resolve("orders-aborted.dump.partial")));

            // When the host interrupts the step (a Jenkins abort)
            snapshotting.interrupt();
            snapshotting.join(TimeUnit.SECONDS.toMillis(60));
            lock.rollback();
        }

        // Then it says so, nothing is left in the directory and the trail records the failure
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        try (Stream<Path> left = Files.list(out)) {
            assertThat(left).isEmpty();
        }
        AuditRecord record = audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)).get(0);
        assertThat(record.event().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(record.event().reason()).startsWith("interrupted");
        assertThat(record.event().target()).isEqualTo(out.resolve("orders-aborted.dump").toString());
    }

    @Test
    void whileRunningTheDumpIsOnlyUnderItsPartialName() throws Exception {
        Future<SnapshotResult> running;
        ExecutorService background = Executors.newSingleThreadExecutor();
        try (Connection lock = pg.connect(database); Statement s = lock.createStatement()) {
            lock.setAutoCommit(false);
            s.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
            running = background.submit(() -> snapshotter().snapshot(request("orders-partial", null, false), run(), audit, ORIGIN));
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(out.resolve("orders-partial.dump.partial")));

            assertThat(out.resolve("orders-partial.dump")).doesNotExist();
            lock.commit();
            running.get(60, TimeUnit.SECONDS);
        } finally {
            background.shutdownNow();
        }

        assertThat(out.resolve("orders-partial.dump")).exists();
        assertThat(out.resolve("orders-partial.dump.partial")).doesNotExist();
    }

    @Test
    void theSha256IsComputedWhereTheDumpIsWithoutReadingItBack() throws Exception {
        SnapshotResult result = snapshotter().snapshot(request("orders-digest", null, false), run(), audit, ORIGIN);

        assertThat(result.facts()).containsEntry("sha256", sha256(Path.of(result.location())));
        assertThat(launcher.reads).noneMatch(path -> path.endsWith(".dump") || path.endsWith(".partial"));
    }

    private static List<String> commandLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    lines.add(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        }
        return lines;
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return new ArrayList<>(files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static long count(String db, String table) throws Exception {
        try (Connection c = pg.connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
