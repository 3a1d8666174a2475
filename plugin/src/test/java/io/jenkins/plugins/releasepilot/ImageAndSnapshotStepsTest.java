package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.FilePath;
import hudson.model.Result;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.PostgresServer;
import io.releasepilot.engine.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * buildImage and dbSnapshot in sandboxed Pipelines on one Jenkins, against a real registry
 * (docker-registry with htpasswd), real buildah and a real PostgreSQL with pg_dump.
 */
public class ImageAndSnapshotStepsTest {

    private static final String REGISTRY_PASSWORD = "reg-" + Long.toHexString(System.nanoTime()) + "-secret";

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    private static RegistryServer registry;
    private static BuildahStorage buildah;
    private static PostgresServer postgres;
    private static String database;
    private static int jobs;

    @BeforeClass
    public static void startServers() throws Exception {
        registry = RegistryServer.start("pusher", REGISTRY_PASSWORD);
        buildah = BuildahStorage.create();
        postgres = PostgresServer.start();
        database = postgres.createDatabase();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)");
            s.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 100) g");
        }
        Fixtures.addLogin("registry", "pusher", REGISTRY_PASSWORD);
        Fixtures.addLogin("shop-db", PostgresServer.SUPERUSER, PostgresServer.PASSWORD);
        Fixtures.addSecretText("a-token", "not-a-login");
    }

    @AfterClass
    public static void stopServers() {
        for (AutoCloseable server : new AutoCloseable[] {registry, buildah, postgres}) {
            try {
                if (server != null) {
                    server.close();
                }
            } catch (Exception ignored) {
                // the next one still has to stop
            }
        }
    }

    private static WorkflowJob jobWithContext(String script) throws Exception {
        WorkflowJob job = Fixtures.sandboxedJob(j, "job-" + (++jobs), script);
        FilePath workspace = j.jenkins.getWorkspaceFor(job);
        BusyboxContext.write(Path.of(workspace.getRemote(), "app"), "FROM scratch\nCOPY busybox /bin/busybox\nLABEL app=web\n");
        return job;
    }

    private static String buildImageScript(String tag, String credentials) {
        return "node {\n"
                + "  withEnv(['CONTAINERS_STORAGE_CONF=" + buildah.storageConf() + "']) {\n"
                + "    def ref = buildImage tags: ['" + tag + "'], context: 'app', builder: 'buildah'" + credentials + "\n"
                + "    echo \"built ${ref}\"\n"
                + "  }\n"
                + "}\n";
    }

    private static String snapshotScript(String credentialsId) {
        return "node {\n"
                + "  withEnv(['PATH+PG=" + postgres.binDir() + "']) {\n"
                + "    def dump = dbSnapshot engine: 'postgres', host: '127.0.0.1', port: " + postgres.port() + ", database: '" + database
                + "', credentialsId: '" + credentialsId + "', outputDir: 'backups', service: 'shop', environment: 'INT', release: '1.4.2'\n"
                + "    echo \"dump at ${dump}\"\n"
                + "  }\n"
                + "}\n";
    }

    @Test
    public void buildImageReturnsTheDigestTheRegistryServesAndRecordsWhoBuiltIt() throws Exception {
        // Given a Dockerfile in the workspace and registry credentials in the store
        String tag = registry.address() + "/shop/web:1.0";
        WorkflowJob job = jobWithContext(buildImageScript(tag, ", credentialsId: 'registry'"));

        // When alice builds the job
        WorkflowRun build = j.assertBuildStatusSuccess(Fixtures.buildAs(job, "alice"));

        // Then the step returns the digest reference the registry serves for the tag, and IMAGE_BUILT names alice and the build
        String digest = registry.digestHeader("shop/web", "1.0");
        j.assertLogContains("built " + registry.address() + "/shop/web@" + digest, build);
        j.assertLogContains("[buildImage] registry " + registry.address() + " confirms", build);
        List<AuditRecord> records = Fixtures.audit(build, AuditAction.IMAGE_BUILT);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).actor()).isEqualTo("alice");
        assertThat(records.get(0).origin()).isEqualTo(j.getURL() + build.getUrl());
        assertThat(records.get(0).event().image()).isEqualTo(registry.address() + "/shop/web@" + digest);
    }

    @Test
    public void buildImageWithAnUnknownCredentialsIdFailsNamingTheIdAndTheKindExpected() throws Exception {
        // Given a job naming credentials that do not exist
        WorkflowJob job = jobWithContext(buildImageScript(registry.address() + "/shop/missing:1.0", ", credentialsId: 'nope'"));

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then it fails before building, naming the parameter, the id and the kind expected
        j.assertLogContains("credentialsId: no credentials with id 'nope' are visible to this build; expected username with password", build);
        j.assertLogNotContains("[buildImage] building", build);
    }

    @Test
    public void buildImageWithSecretTextWhereALoginIsNeededFailsNamingBothKinds() throws Exception {
        // Given a job naming a secret text credential as its registry login
        WorkflowJob job = jobWithContext(buildImageScript(registry.address() + "/shop/wrong:1.0", ", credentialsId: 'a-token'"));

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then the message says what the credential is and what was expected
        j.assertLogContains("credentialsId: credentials 'a-token' are secret text; expected username with password", build);
    }

    @Test
    public void buildImageWithAnInvalidTagFailsNamingTheParameterWithoutAStackTrace() throws Exception {
        // Given a tag that is not a reference
        WorkflowJob job = jobWithContext(buildImageScript("Not A Tag", ""));

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then the console shows the engine's sentence naming the parameter and value, and no Java trace
        j.assertLogContains("[buildImage] invalid tag: 'Not A Tag'", build);
        j.assertLogNotContains("\tat io.releasepilot", build);
    }

    @Test
    public void dbSnapshotDumpsIntoTheWorkspaceAndReturnsTheDumpPath() throws Exception {
        // Given a PostgreSQL database and its login in the credentials store
        WorkflowJob job = Fixtures.sandboxedJob(j, "job-" + (++jobs), snapshotScript("shop-db"));

        // When the job runs
        WorkflowRun build = j.assertBuildStatusSuccess(Fixtures.buildAs(job, "bob"));

        // Then the dump is in the workspace's backups directory, verified, and SNAPSHOT_CREATED records it
        Path backups = Path.of(j.jenkins.getWorkspaceFor(job).getRemote(), "backups");
        String log = JenkinsRule.getLog(build);
        String dump = log.lines().filter(l -> l.startsWith("dump at ")).findFirst().orElseThrow().substring("dump at ".length());
        assertThat(Path.of(dump)).exists().hasParent(backups.toRealPath());
        j.assertLogContains("[dbSnapshot] postgres 127.0.0.1:" + postgres.port() + "/" + database + ": " + dump + " verified", build);
        List<AuditRecord> records = Fixtures.audit(build, AuditAction.SNAPSHOT_CREATED);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).actor()).isEqualTo("bob");
        assertThat(records.get(0).event().details()).containsEntry("sha256", sha256(Path.of(dump)));
    }

    @Test
    public void secretsReachNeitherTheConsoleNorTheBuildDirectoryNorTheAuditTrail() throws Exception {
        // Given a job that builds an image with a registry login and dumps a database with a password
        String script = buildImageScript(registry.address() + "/shop/leak:1.0", ", credentialsId: 'registry'")
                + snapshotScript("shop-db");
        WorkflowJob job = jobWithContext(script);

        // When it runs
        WorkflowRun build = j.assertBuildStatusSuccess(job.scheduleBuild2(0));

        // Then neither password is in the console, any file of the build, or any audit record
        for (String secret : List.of(REGISTRY_PASSWORD, PostgresServer.PASSWORD)) {
            j.assertLogNotContains(secret, build);
            assertThat(Fixtures.filesContaining(build.getRootDir().toPath(), secret)).isEmpty();
            assertThat(Fixtures.auditText()).doesNotContain(secret);
        }
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
