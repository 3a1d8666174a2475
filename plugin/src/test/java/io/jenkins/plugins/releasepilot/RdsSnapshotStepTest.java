package io.jenkins.plugins.releasepilot;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.releasepilot.engine.snapshot.SimulatedRds.action;
import static io.releasepilot.engine.snapshot.SimulatedRds.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import hudson.model.Result;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.snapshot.SimulatedRds;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/** {@code dbSnapshot engine: 'rds'} in a sandboxed Pipeline against the engine's simulated RDS (WireMock). */
public class RdsSnapshotStepTest {

    private static final String ACCESS_KEY_ID = "AKIAPLUGINTESTKEY001";
    private static final String SECRET_KEY = "rds-" + Long.toHexString(System.nanoTime()) + "-secret-access-key";

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    private static SimulatedRds rds;

    @BeforeClass
    public static void startRds() throws Exception {
        rds = new SimulatedRds();
        Fixtures.addLogin("aws-keys", ACCESS_KEY_ID, SECRET_KEY);
        Fixtures.addSecretText("aws-token", "not-a-key-pair");
    }

    @AfterClass
    public static void stopRds() {
        if (rds != null) {
            rds.close();
        }
    }

    private static String snapshotScript(String instance, String snapshotId, String credentialsId) {
        // outside node {}: an RDS snapshot holds no executor while it waits
        return "def id = dbSnapshot engine: 'rds', instance: '" + instance + "', region: '" + SimulatedRds.REGION + "', "
                + "awsCredentialsId: '" + credentialsId + "', endpoint: '" + rds.endpoint() + "', snapshotId: '" + snapshotId + "', "
                + "service: 'orders', environment: 'PROD', release: '1.4.2'\n"
                + "echo \"snapshot: ${id}\"\n";
    }

    /** The instance exists and is available; the snapshot is created, then reported creating until it is available. */
    private static void givenInstanceWhoseSnapshotBecomesAvailable(String instance, String id, String... statuses) {
        rds.stub(action("DescribeDBInstances").withRequestBody(containing("DBInstanceIdentifier=" + instance)), 200,
                ok("DescribeDBInstances", SimulatedRds.instance(instance, "available")));
        rds.stub(action("CreateDBSnapshot").withRequestBody(containing("DBSnapshotIdentifier=" + id)), 200,
                ok("CreateDBSnapshot", SimulatedRds.snapshot(id, instance, "creating", 0, Instant.now(), "release-pilot")));
        List<Map.Entry<Integer, String>> answers = new ArrayList<>();
        // the snapshotter describes the id before it creates anything
        answers.add(SimulatedRds.snapshotNotFound());
        for (String status : statuses) {
            int progress = "available".equals(status) ? 100 : 40;
            answers.add(Map.entry(200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                    + SimulatedRds.snapshot(id, instance, status, progress, Instant.now(), "release-pilot") + "</DBSnapshots>")));
        }
        rds.stubSequence(id, () -> action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=" + id)), answers);
    }

    private static List<String> bodiesOf(String action, String containing) {
        return rds.server().findAll(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=" + action)))
                .stream().map(LoggedRequest::getBodyAsString).map(b -> URLDecoder.decode(b, StandardCharsets.UTF_8))
                .filter(b -> b.contains(containing)).toList();
    }

    @Test
    public void anInstanceSnapshotIsTakenWaitedForRecordedAndItsIdReturned() throws Exception {
        // Given an available DB instance whose snapshot takes one poll to become available
        givenInstanceWhoseSnapshotBecomesAvailable("orders-db", "orders-before-migration", "creating", "available");
        WorkflowJob job = Fixtures.sandboxedJob(j, "rds-snapshot", snapshotScript("orders-db", "orders-before-migration", "aws-keys"));

        // When the Pipeline snapshots it
        WorkflowRun build = j.assertBuildStatusSuccess(job.scheduleBuild2(0));

        // Then the snapshot was created with the build's tags, waited for, recorded, and its id returned to the script
        j.assertLogContains("snapshot: orders-before-migration", build);
        assertThat(bodiesOf("CreateDBSnapshot", "DBSnapshotIdentifier=orders-before-migration")).singleElement().asString()
                .contains("DBInstanceIdentifier=orders-db", "Key=release-pilot:build", "Value=" + BuildOrigin.url(build));
        List<AuditRecord> records = Fixtures.audit(build, AuditAction.SNAPSHOT_CREATED);
        assertThat(records).singleElement().satisfies(r -> assertThat(r.event().target())
                .isEqualTo(SimulatedRds.snapshotArn("orders-before-migration")));
    }

    @Test
    public void theSecretAccessKeyReachesNeitherTheConsoleNorTheBuildDirectoryNorTheAuditTrail() throws Exception {
        // Given a snapshot taken with the access key credentials
        givenInstanceWhoseSnapshotBecomesAvailable("billing-db", "billing-before-migration", "available");
        WorkflowJob job = Fixtures.sandboxedJob(j, "rds-leak", snapshotScript("billing-db", "billing-before-migration", "aws-keys"));

        // When it runs
        WorkflowRun build = j.assertBuildStatusSuccess(job.scheduleBuild2(0));

        // Then the secret is nowhere Jenkins or the audit trail keeps (the requests were signed with it, not carrying it)
        j.assertLogNotContains(SECRET_KEY, build);
        assertThat(Fixtures.filesContaining(build.getRootDir().toPath(), SECRET_KEY)).isEmpty();
        assertThat(Fixtures.auditText()).doesNotContain(SECRET_KEY);
        assertThat(bodiesOf("CreateDBSnapshot", "billing-before-migration")).singleElement().asString().doesNotContain(SECRET_KEY);
    }

    @Test
    public void secretTextWhereAnAccessKeyPairIsNeededFailsNamingBothKindsAndCreatesNothing() throws Exception {
        // Given a job naming a secret text credential as its AWS keys
        WorkflowJob job = Fixtures.sandboxedJob(j, "rds-wrong-kind", snapshotScript("payments-db", "payments-before-migration", "aws-token"));

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then the message names the parameter, the id, what it is and what was expected, and RDS was never asked to snapshot
        j.assertLogContains("awsCredentialsId: credentials 'aws-token' are secret text; expected username with password", build);
        assertThat(bodiesOf("CreateDBSnapshot", "payments-before-migration")).isEmpty();
    }

    @Test
    public void aPostgresSnapshotOutsideNodeFailsSayingItNeedsAnAgent() throws Exception {
        // Given a postgres snapshot written outside node {} (the step does not require one, so that rds holds no executor)
        WorkflowJob job = Fixtures.sandboxedJob(j, "postgres-no-node",
                "dbSnapshot engine: 'postgres', host: '127.0.0.1', database: 'shop', credentialsId: 'aws-keys', outputDir: 'backups'\n");

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then it says where it must be called instead of failing on a missing workspace
        j.assertLogContains("[dbSnapshot] engine: 'postgres' runs pg_dump on an agent: call it inside node { }", build);
    }
}
