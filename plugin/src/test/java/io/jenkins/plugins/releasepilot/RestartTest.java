package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import hudson.model.Result;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.nio.file.Files;
import java.time.Duration;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsSessionRule;

/**
 * A controller restart in the middle of deployCanary's wait and of rollbackOnAlert's window: Jenkins
 * stops and starts again on the same JENKINS_HOME (in this JVM, so the SIMULATED cluster and the
 * real Prometheus keep running meanwhile), the build resumes the same act with the same deadline,
 * and finishes correctly.
 */
public class RestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Rule
    public JenkinsSessionRule sessions = new JenkinsSessionRule();

    private static final String RULES = """
            groups:
              - name: canary
                rules:
                  - alert: HighErrorRate
                    expr: canary_error_ratio > 0.05
            """;

    private static SimulatedCluster cluster;
    private static MetricsTarget metrics;
    private static LocalPrometheus prometheus;

    @BeforeClass
    public static void startServers() throws Exception {
        cluster = new SimulatedCluster("shop");
        cluster.controller().readyAfter(Duration.ofMillis(200));
        metrics = MetricsTarget.start();
        metrics.set("canary_error_ratio{service=\"api\"}", 0.0);
        prometheus = LocalPrometheus.start(Files.createTempDirectory("rp-prometheus-"), metrics, RULES, null);
    }

    @AfterClass
    public static void stopServers() {
        for (AutoCloseable server : new AutoCloseable[] {prometheus, metrics, cluster}) {
            try {
                if (server != null) {
                    server.close();
                }
            } catch (Exception ignored) {
                // the next one still has to stop
            }
        }
    }

    /** The watch's recorded deadline, from the act state the engine keeps beside the audit trail. */
    private static long watchDeadline(String runId) throws Exception {
        String state = AuditTrail.get().store().actState().load(new RunId(runId)).orElseThrow();
        return JSON.readTree(state).path("deadlineMs").asLong();
    }

    private static String recordedDeadline() throws Exception {
        String act = cluster.client().apps().deployments().inNamespace("shop").withName("web").get().getMetadata().getAnnotations()
                .get("releasepilot.io/act");
        return JSON.readTree(act).path("deadline").asText();
    }

    @Test
    public void aRestartMidCanaryWaitResumesTheSameActWithItsDeadlineAndFinishes() throws Throwable {
        // Given a build waiting on a canary whose pods are not ready yet
        cluster.createApp("web", KubernetesStepsTest.V1, 4);
        cluster.controller().behave(KubernetesStepsTest.V2, PodBehaviour.NEVER_READY);
        String[] before = new String[1];
        sessions.then(j -> {
            Fixtures.addSecretText("cluster-token", "simulated-cluster-token");
            WorkflowJob job = Fixtures.sandboxedJob(j, "canary", "def c = deployCanary namespace: 'shop', deployment: 'web', image: '"
                    + KubernetesStepsTest.V2 + "', weight: 25, timeout: '5m', serverUrl: '" + cluster.url()
                    + "', tokenCredentialsId: 'cluster-token'\necho \"canary at ${c.weight}%\"");
            WorkflowRun build = job.scheduleBuild2(0).waitForStart();
            j.waitForMessage("[deployCanary] shop/web: canary", build);
            before[0] = recordedDeadline();
        });

        // When the controller has restarted and the build re-attached, and then the pods get ready
        sessions.then(j -> {
            WorkflowRun build = j.jenkins.getItemByFullName("canary", WorkflowJob.class).getBuildByNumber(1);
            j.waitForMessage("[deployCanary] resuming", build);
            String after = recordedDeadline();
            cluster.controller().behave(KubernetesStepsTest.V2, PodBehaviour.HEALTHY);

            // Then the act kept its deadline, the build finishes with the canary's result, and the act is recorded once
            j.assertBuildStatusSuccess(j.waitForCompletion(build));
            assertThat(after).isEqualTo(before[0]);
            j.assertLogContains("canary at 25%", build);
            assertThat(Fixtures.audit(build, AuditAction.CANARY_STARTED)).hasSize(1);
        });
    }

    @Test
    public void aRestartMidAlertWindowContinuesTheSameWatchWhichStillRollsBack() throws Throwable {
        // Given a canary of api and a build watching its alerts for a long window
        cluster.createApp("api", KubernetesStepsTest.V1, 2);
        String[] runId = new String[1];
        long[] before = new long[1];
        sessions.then(j -> {
            Fixtures.addSecretText("cluster-token", "simulated-cluster-token");
            String access = "serverUrl: '" + cluster.url() + "', tokenCredentialsId: 'cluster-token'";
            WorkflowJob job = Fixtures.sandboxedJob(j, "watch", "deployCanary namespace: 'shop', deployment: 'api', image: '"
                    + KubernetesStepsTest.V2 + "', weight: 50, " + access + "\n"
                    + "rollbackOnAlert namespace: 'shop', deployment: 'api', prometheusUrl: '" + prometheus.url() + "', alerts: ['HighErrorRate'], "
                    + "matchers: ['service=\"api\"'], window: '10m', interval: '1s', " + access + "\n");
            WorkflowRun build = job.scheduleBuild2(0).waitForStart();
            j.waitForMessage("[rollbackOnAlert] shop/api: watching", build);
            runId[0] = BuildOrigin.url(build) + "#" + build.getExecution().getCurrentHeads().get(0).getId();
            before[0] = watchDeadline(runId[0]);
        });

        // When the controller has restarted, the watch re-attached, and then the canary's alert fires
        sessions.then(j -> {
            WorkflowRun build = j.jenkins.getItemByFullName("watch", WorkflowJob.class).getBuildByNumber(1);
            j.waitForMessage("[rollbackOnAlert] shop/api: resuming the watch", build);
            long after = watchDeadline(runId[0]);
            metrics.set("canary_error_ratio{service=\"api\"}", 0.5);

            // Then the window kept its deadline, and the resumed watch rolls the canary back and fails the build naming the alert
            j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(build));
            assertThat(after).isEqualTo(before[0]);
            j.assertLogContains("rolled back shop/api: alert HighErrorRate{", build);
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("api-canary").get()).isNull();
        });
    }
}
