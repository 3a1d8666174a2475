package io.jenkins.plugins.releasepilot;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.releasepilot.engine.snapshot.SimulatedRds.action;
import static io.releasepilot.engine.snapshot.SimulatedRds.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.snapshot.SimulatedRds;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsSessionRule;

/**
 * A controller restart while {@code dbSnapshot engine: 'rds'} waits for the snapshot: the build
 * resumes the same snapshot (not a second one) with its recorded deadline. The simulated RDS runs
 * in this JVM, so it keeps its state across the restart.
 */
public class RdsRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "orders-before-restart";

    @Rule
    public JenkinsSessionRule sessions = new JenkinsSessionRule();

    private static SimulatedRds rds;

    @BeforeClass
    public static void startRds() {
        rds = new SimulatedRds();
    }

    @AfterClass
    public static void stopRds() {
        if (rds != null) {
            rds.close();
        }
    }

    private static String snapshot(String status, int progress) {
        return ok("DescribeDBSnapshots", "<DBSnapshots>" + SimulatedRds.snapshot(ID, "orders-db", status, progress, Instant.now(), "release-pilot")
                + "</DBSnapshots>");
    }

    private static long deadlineMs(String runId) throws Exception {
        String state = AuditTrail.get().store().actState().load(new RunId(runId)).orElseThrow();
        return JSON.readTree(state).path("deadlineMs").asLong();
    }

    @Test
    public void aRestartMidSnapshotWaitResumesTheSameSnapshotWithItsDeadline() throws Throwable {
        // Given a build waiting for an RDS snapshot that stays 'creating'
        rds.stub(action("DescribeDBInstances"), 200, ok("DescribeDBInstances", SimulatedRds.instance("orders-db", "available")));
        rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                SimulatedRds.snapshot(ID, "orders-db", "creating", 0, Instant.now(), "release-pilot")));
        rds.stubSequence("restart", () -> action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=" + ID)),
                List.of(SimulatedRds.snapshotNotFound(), Map.entry(200, snapshot("creating", 40))));
        String[] runId = new String[1];
        long[] before = new long[1];
        sessions.then(j -> {
            Fixtures.addLogin("aws-keys", "AKIARESTARTTESTKEY01", "restart-test-secret-key");
            WorkflowJob job = Fixtures.sandboxedJob(j, "snapshot", "def id = dbSnapshot engine: 'rds', instance: 'orders-db', region: '"
                    + SimulatedRds.REGION + "', awsCredentialsId: 'aws-keys', endpoint: '" + rds.endpoint() + "', snapshotId: '" + ID
                    + "', service: 'orders', timeout: '30m'\necho \"snapshot: ${id}\"\n");
            WorkflowRun build = job.scheduleBuild2(0).waitForStart();
            j.waitForMessage("creating snapshot " + ID, build);
            runId[0] = BuildOrigin.url(build) + "#" + build.getExecution().getCurrentHeads().get(0).getId();
            before[0] = deadlineMs(runId[0]);
        });

        // When the controller has restarted, the step re-attached, and then the snapshot becomes available
        sessions.then(j -> {
            WorkflowRun build = j.jenkins.getItemByFullName("snapshot", WorkflowJob.class).getBuildByNumber(1);
            j.waitForMessage("[dbSnapshot] resuming", build);
            long after = deadlineMs(runId[0]);
            rds.stub(action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=" + ID)).atPriority(1), 200,
                    snapshot("available", 100));

            // Then it kept its deadline, returned the same snapshot, created it once, and recorded it once
            j.assertBuildStatusSuccess(j.waitForCompletion(build));
            assertThat(after).isEqualTo(before[0]);
            j.assertLogContains("snapshot: " + ID, build);
            assertThat(rds.server().findAll(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=CreateDBSnapshot")))).hasSize(1);
            assertThat(Fixtures.audit(build, AuditAction.SNAPSHOT_CREATED)).hasSize(1);
        });
    }
}
