package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Result;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.time.Duration;
import java.util.List;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * deployCanary and promote in sandboxed Pipelines on one Jenkins, against a SIMULATED cluster
 * (the sandbox module's fabric8 mock API server with a simulated Deployment controller, started in
 * this JVM): the result maps, the cluster, the audit trail, an abort mid-wait and two builds on one
 * Deployment.
 */
public class KubernetesStepsTest {

    static final String V1 = "registry.example.com/shop/web@sha256:" + "1".repeat(64);
    static final String V2 = "registry.example.com/shop/web@sha256:" + "2".repeat(64);
    static final String V3 = "registry.example.com/shop/web@sha256:" + "3".repeat(64);

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    private static SimulatedCluster cluster;
    private static int jobs;

    @BeforeClass
    public static void startCluster() throws Exception {
        cluster = new SimulatedCluster("shop");
        cluster.controller().readyAfter(Duration.ofMillis(200));
        Fixtures.addSecretText("cluster-token", "simulated-cluster-token");
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static String access() {
        return "serverUrl: '" + cluster.url() + "', tokenCredentialsId: 'cluster-token'";
    }

    private static WorkflowJob job(String script) throws Exception {
        return Fixtures.sandboxedJob(j, "kube-" + (++jobs), script);
    }

    private static Deployment deployment(String name) {
        return cluster.client().apps().deployments().inNamespace("shop").withName(name).get();
    }

    private static String imageOf(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    public void deployCanaryThenPromoteReturnTheirResultsAndLeaveTheNewImageStable() throws Exception {
        // Given a stable Deployment of 4 pods running V1
        cluster.createApp("web1", V1, 4);
        WorkflowJob job = job("def c = deployCanary namespace: 'shop', deployment: 'web1', image: '" + V2 + "', weight: 25, timeout: '1m', "
                + access() + "\n"
                + "echo \"canary at ${c.weight}% with ${c.canaryReplicas} pod(s) beside ${c.stableImage}\"\n"
                + "def p = promote namespace: 'shop', deployment: 'web1', " + access() + "\n"
                + "echo \"promoted ${p.image} over ${p.previousImage}\"\n");

        // When carol runs the job
        WorkflowRun build = j.assertBuildStatusSuccess(Fixtures.buildAs(job, "carol"));

        // Then both maps reach the script, the stable Deployment runs V2 with no canary left, and both acts are recorded as carol's
        j.assertLogContains("canary at 25% with 1 pod(s) beside " + V1, build);
        j.assertLogContains("promoted " + V2 + " over " + V1, build);
        assertThat(imageOf(deployment("web1"))).isEqualTo(V2);
        assertThat(deployment("web1-canary")).isNull();
        List<AuditRecord> started = Fixtures.audit(build, AuditAction.CANARY_STARTED);
        List<AuditRecord> promoted = Fixtures.audit(build, AuditAction.PROMOTED);
        assertThat(started).hasSize(1);
        assertThat(promoted).hasSize(1);
        assertThat(started.get(0).actor()).isEqualTo("carol");
        assertThat(promoted.get(0).event().image()).isEqualTo(V2);
    }

    @Test
    public void abortingABuildMidWaitRecordsTheCancellationAndFreesTheDeploymentAtOnce() throws Exception {
        // Given a canary whose pods never get ready, so deployCanary waits
        cluster.createApp("web2", V1, 4);
        cluster.controller().behave(V3, PodBehaviour.NEVER_READY);
        WorkflowJob waiting = job("deployCanary namespace: 'shop', deployment: 'web2', image: '" + V3 + "', timeout: '10m', " + access());
        WorkflowRun build = waiting.scheduleBuild2(0).waitForStart();
        j.waitForMessage("[deployCanary] shop/web2: canary", build);

        // When the build is aborted
        build.doStop();
        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(build));

        // Then the act is recorded as CANCELLED, and another build may deploy to the Deployment straight away
        assertThat(Fixtures.audit(build, AuditAction.CANARY_STARTED)).extracting(r -> r.event().outcome()).contains(Outcome.CANCELLED);
        WorkflowJob next = job("deployCanary namespace: 'shop', deployment: 'web2', image: '" + V2 + "', timeout: '1m', " + access());
        j.assertBuildStatusSuccess(next.scheduleBuild2(0));
    }

    @Test
    public void aSecondBuildOnADeploymentAnotherBuildIsWaitingOnIsRefusedNamingTheFirst() throws Exception {
        // Given a first build waiting on a canary that never gets ready
        cluster.createApp("web3", V1, 4);
        cluster.controller().behave(V3, PodBehaviour.NEVER_READY);
        WorkflowJob first = job("deployCanary namespace: 'shop', deployment: 'web3', image: '" + V3 + "', timeout: '10m', " + access());
        WorkflowRun holder = first.scheduleBuild2(0).waitForStart();
        j.waitForMessage("[deployCanary] shop/web3: canary", holder);

        // When a second build deploys to the same Deployment
        WorkflowJob second = job("deployCanary namespace: 'shop', deployment: 'web3', image: '" + V2 + "', timeout: '1m', " + access());
        WorkflowRun refused = j.assertBuildStatus(Result.FAILURE, second.scheduleBuild2(0));

        // Then it fails naming the first build as the holder, and changed nothing of the first one's canary
        j.assertLogContains("deployment shop/web3 is held by another run: " + BuildOrigin.url(holder), refused);
        assertThat(imageOf(deployment("web3-canary"))).isEqualTo(V3);
        holder.doStop();
        j.waitForCompletion(holder);
    }

    @Test
    public void theClusterTokenReachesNeitherTheConsoleNorTheBuildDirectoryNorTheAuditTrail() throws Exception {
        // Given a deploy and a promote with the cluster token from the credentials store
        cluster.createApp("web4", V1, 2);
        WorkflowJob job = job("deployCanary namespace: 'shop', deployment: 'web4', image: '" + V2 + "', weight: 50, " + access() + "\n"
                + "promote namespace: 'shop', deployment: 'web4', " + access() + "\n");

        // When it runs
        WorkflowRun build = j.assertBuildStatusSuccess(job.scheduleBuild2(0));

        // Then the token is nowhere a person or a file could show it
        j.assertLogNotContains("simulated-cluster-token", build);
        assertThat(Fixtures.filesContaining(build.getRootDir().toPath(), "simulated-cluster-token")).isEmpty();
        assertThat(Fixtures.auditText()).doesNotContain("simulated-cluster-token");
    }

    @Test
    public void aStepWithNoWayToTheClusterFailsNamingTheChoices() throws Exception {
        // Given a deployCanary outside node {} naming no cluster access
        WorkflowJob job = job("deployCanary namespace: 'shop', deployment: 'web9', image: '" + V2 + "'");

        // When it runs
        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        // Then the message lists how a cluster may be named
        j.assertLogContains("[deployCanary] invalid kubeconfigCredentialsId: nothing (expected kubeconfigCredentialsId, or serverUrl with "
                + "tokenCredentialsId", build);
    }

    @Test
    public void aServerUrlWithoutATokenIsRefusedBeforeAnythingIsContacted() throws Exception {
        WorkflowJob job = job("deployCanary namespace: 'shop', deployment: 'web9', image: '" + V2 + "', serverUrl: '" + cluster.url() + "'");

        WorkflowRun build = j.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));

        j.assertLogContains("invalid tokenCredentialsId: nothing (expected the id of a secret text credential holding a token for "
                + cluster.url(), build);
    }
}
