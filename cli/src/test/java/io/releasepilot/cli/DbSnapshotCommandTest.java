package io.releasepilot.cli;

import static io.releasepilot.engine.snapshot.SimulatedRds.action;
import static io.releasepilot.engine.snapshot.SimulatedRds.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.snapshot.SimulatedRds;
import io.releasepilot.engine.testing.FreePorts;
import io.releasepilot.engine.testing.PostgresServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code release-pilot db-snapshot}: exit codes, output and what is (not) created. */
class DbSnapshotCommandTest {

    private static PostgresServer pg;
    private static String database;

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void startServer() throws Exception {
        pg = PostgresServer.start();
        database = pg.createDatabase();
        try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
            s.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g");
        }
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    private Path store() {
        return tmp.resolve("audit");
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--audit-store", store().toString(), "--signing-key", signingKey().toString()));
        all.addAll(List.of(args));
        int exit = ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    private Path signingKey() {
        Path key = tmp.resolve("keys/checkpoint-key.pem");
        if (!Files.exists(key)) {
            try {
                Files.createDirectories(key.getParent());
                io.releasepilot.engine.audit.CheckpointKeys.write(io.releasepilot.engine.audit.CheckpointKeys.generate(), key,
                        tmp.resolve("keys/checkpoint-key.pub.pem"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return key;
    }

    /** The CLI in its own JVM, so PGPASSWORD can be set as a user would set it. */
    private Run runProcess(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReleasePilotCommand.class.getName(),
                "--audit-store", store().toString(), "--signing-key", signingKey().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", PostgresServer.PASSWORD);
        pb.redirectOutput(tmp.resolve("stdout").toFile()).redirectError(tmp.resolve("stderr").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(tmp.resolve("stdout")), Files.readString(tmp.resolve("stderr")));
    }

    private List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aPostgresSnapshotPrintsTheDumpPathAndRecordsIt() throws Exception {
        Path dumps = Files.createDirectories(tmp.resolve("dumps"));

        Run r = runProcess("db-snapshot", "--engine", "postgres", "--host", "127.0.0.1", "--port", String.valueOf(pg.port()),
                "--database", database, "--username", PostgresServer.SUPERUSER, "--output-dir", dumps.toString(),
                "--service", "shop", "--environment", "uat", "--release", "2.0.0");

        assertThat(r.exit()).as(r.err()).isZero();
        Path dump = Path.of(r.out().strip());
        assertThat(dump).exists().hasParent(dumps);
        assertThat(dump.getFileName().toString()).matches("rp-shop-uat-[0-9a-f]{12}\\.dump");
        assertThat(r.out() + r.err()).doesNotContain(PostgresServer.PASSWORD);
        assertThat(r.err()).contains("[dbSnapshot] postgres 127.0.0.1:" + pg.port() + "/" + database + ": " + dump + " verified");
        try (AuditStore audit = AuditStores.open(new AuditStores.Config(store().toString()))) {
            List<AuditRecord> created = audit.list(new AuditFilter("shop", "UAT", AuditAction.SNAPSHOT_CREATED, null, 5));
            assertThat(created).singleElement().satisfies(rec -> {
                assertThat(rec.event().target()).isEqualTo(dump.toString());
                assertThat(rec.event().release()).isEqualTo("2.0.0");
            });
        }
    }

    @Test
    void anUnreachableDatabaseExitsWith3AndLeavesNoFile() throws Exception {
        Path dumps = Files.createDirectories(tmp.resolve("dumps"));

        Run r = run("db-snapshot", "--engine", "postgres", "--host", "127.0.0.1", "--port", String.valueOf(FreePorts.next()),
                "--database", "orders", "--username", "app", "--output-dir", dumps.toString());

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("error: pg_dump of 127.0.0.1:").contains("/orders as app failed");
        assertThat(files(dumps)).isEmpty();
    }

    @Test
    void anUnknownEngineExitsWith2() {
        Run r = run("db-snapshot", "--engine", "mysql", "--host", "db", "--database", "orders", "--username", "app", "--output-dir", "/tmp");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid engine: 'mysql' (expected rds or postgres)");
        assertThat(store()).doesNotExist();
    }

    @Test
    void rdsWithoutInstanceOrClusterExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--region", "eu-west-1");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid instance: nothing (expected exactly one of --instance ID or --cluster ID for --engine rds)");
        assertThat(store()).doesNotExist();
    }

    @Test
    void anInvalidInstanceIdentifierExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders_db", "--region", "eu-west-1");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid instance: 'orders_db' (expected an RDS DB instance identifier");
    }

    @Test
    void anInvalidSnapshotIdExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders-db", "--region", "eu-west-1", "--snapshot-id", "9-lives");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid snapshot-id: '9-lives' (expected an RDS snapshot identifier");
    }

    @Test
    void aTemplateNeedingAnEnvironmentThatWasNotGivenExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders-db", "--region", "eu-west-1",
                "--snapshot-id", "pre-{environment}-{timestamp}");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("{environment} needs --environment");
    }

    @Test
    void retainBelowOneExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders-db", "--region", "eu-west-1", "--retain", "0");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid retain: '0' (expected a whole number of snapshots to keep, 1 or more)");
    }

    @Test
    void anInvalidRegionExitsWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders-db", "--region", "Europe");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid region: 'Europe'");
    }

    @Test
    void postgresFlagsWithRdsExitWith2() {
        Run r = run("db-snapshot", "--engine", "rds", "--instance", "orders-db", "--region", "eu-west-1", "--output-dir", "/tmp");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid output-dir: '/tmp' (expected nothing: --engine rds takes --instance or --cluster)");
    }

    @Test
    void aMissingDatabaseFlagExitsWith2() {
        Run r = run("db-snapshot", "--engine", "postgres", "--host", "127.0.0.1", "--username", "app", "--output-dir", "/tmp");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid database: nothing");
    }

    @Test
    void anOutputDirectoryThatCannotBeWrittenExitsWith2BeforeAnythingIsCreated() {
        Run r = run("db-snapshot", "--engine", "postgres", "--host", "127.0.0.1", "--port", String.valueOf(pg.port()),
                "--database", database, "--username", PostgresServer.SUPERUSER, "--output-dir", "/proc");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid output-dir: '/proc' (expected an existing directory on the agent in which this process can create files)");
        assertThat(store()).doesNotExist();
    }

    @Test
    void anRdsSnapshotPrintsItsArn() throws Exception {
        try (SimulatedRds rds = new SimulatedRds()) {
            rds.stub(action("DescribeDBInstances"), 200, ok("DescribeDBInstances", SimulatedRds.instance("orders-db", "available")));
            rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                    SimulatedRds.snapshot("pre-migration", "orders-db", "available", 100, Instant.now(), "release-pilot")));
            Run r = withAwsSystemProperties(rds, () -> run("db-snapshot", "--engine", "rds", "--instance", "orders-db",
                    "--region", "eu-west-1", "--snapshot-id", "pre-migration", "--environment", "PROD"));

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out().strip()).isEqualTo(SimulatedRds.snapshotArn("pre-migration"));
        }
    }

    @Test
    void anRdsDryRunSaysWhatWouldGoAndCreatesNothing() throws Exception {
        try (SimulatedRds rds = new SimulatedRds()) {
            rds.stub(action("DescribeDBInstances"), 200, ok("DescribeDBInstances", SimulatedRds.instance("orders-db", "available")));
            rds.stub(action("DescribeDBSnapshots"), 200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                    + SimulatedRds.snapshot("old-1", "orders-db", "available", 100, Instant.parse("2026-11-01T00:00:00Z"), "release-pilot")
                    + SimulatedRds.snapshot("old-2", "orders-db", "available", 100, Instant.parse("2026-11-02T00:00:00Z"), "release-pilot")
                    + "</DBSnapshots>"));
            Run r = withAwsSystemProperties(rds, () -> run("--output", "json", "db-snapshot", "--engine", "rds", "--instance", "orders-db",
                    "--region", "eu-west-1", "--retain", "2", "--dry-run"));

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"created\":false", "\"wouldPrune\":[{\"snapshotId\":\"old-1\"");
            assertThat(rds.server().findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                    com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/"))).stream()
                    .map(req -> new String(req.getBody(), StandardCharsets.UTF_8)))
                    .noneMatch(body -> body.contains("Action=CreateDBSnapshot") || body.contains("Action=DeleteDBSnapshot"));
        }
    }

    /** The SDK's default chain reads keys and the endpoint from these system properties (as from AWS_* variables). */
    private static Run withAwsSystemProperties(SimulatedRds rds, java.util.function.Supplier<Run> body) {
        System.setProperty("aws.accessKeyId", "AKIATESTTESTTESTTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
        System.setProperty("aws.endpointUrl", rds.endpoint().toString());
        try {
            return body.get();
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            System.clearProperty("aws.endpointUrl");
        }
    }
}
