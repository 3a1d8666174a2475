package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Result;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * rollbackOnAlert against a real Prometheus (rules evaluated every second over a metrics target
 * the test sets) and the SIMULATED cluster: as a block guarding its body, and alone for a window.
 */
public class AlertStepsTest {

    private static final String RULES = """
            groups:
              - name: canary
                rules:
                  - alert: HighErrorRate
                    expr: canary_error_ratio > 0.05
                    labels:
                      severity: critical
            """;

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    private static SimulatedCluster cluster;
    private static MetricsTarget metrics;
    private static LocalPrometheus prometheus;
    private static Path serverDir;

    @BeforeClass
    public static void startServers() throws Exception {
        cluster = new SimulatedCluster("shop");
        cluster.controller().readyAfter(Duration.ofMillis(200));
        metrics = MetricsTarget.start();
        metrics.set("canary_error_ratio{service=\"web\",track=\"canary\"}", 0.0);
        metrics.set("canary_error_ratio{service=\"api\",track=\"canary\"}", 0.0);
        serverDir = Files.createTempDirectory("rp-prometheus-");
        prometheus = LocalPrometheus.start(serverDir, metrics, RULES, null);
        Fixtures.addSecretText("cluster-token", "simulated-cluster-token");
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

    private static String access() {
        return "serverUrl: '" + cluster.url() + "', tokenCredentialsId: 'cluster-token'";
    }

    private static String watch(String service) {
        return "namespace: 'shop', deployment: '" + service + "', prometheusUrl: '" + prometheus.url() + "', alerts: ['HighErrorRate'], "
                + "matchers: ['service=\"" + service + "\"'], interval: '1s', " + access();
    }

    @Test
    public void anAlertDuringTheGuardedBlockRollsBackStopsTheBodyAndFailsNamingTheAlert() throws Exception {
        // Given a canary of web and a block guarded by rollbackOnAlert (the block form of the step's own name), running
        cluster.createApp("web", KubernetesStepsTest.V1, 4);
        WorkflowJob job = Fixtures.sandboxedJob(j, "guarded",
                "deployCanary namespace: 'shop', deployment: 'web', image: '" + KubernetesStepsTest.V2 + "', weight: 25, " + access() + "\n"
                + "rollbackOnAlert(" + watch("web") + ", window: '3m') {\n"
                + "  echo 'load test running'\n"
                + "  sleep 170\n"
                + "  echo 'load test finished'\n"
                + "}\n");
        WorkflowRun build = job.scheduleBuild2(0).waitForStart();
        j.waitForMessage("load test running", build);

        // When the canary's error ratio crosses the alert's threshold
        metrics.set("canary_error_ratio{service=\"web\",track=\"canary\"}", 0.3);

        // Then the build fails naming the alert, the body never finishes, the canary is gone, and both acts are recorded
        j.assertBuildStatus(Result.FAILURE, j.waitForCompletion(build));
        j.assertLogContains("rolled back shop/web: alert HighErrorRate{", build);
        j.assertLogNotContains("load test finished", build);
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).isNull();
        assertThat(Fixtures.audit(build, AuditAction.ALERT_FIRED)).isNotEmpty();
        assertThat(Fixtures.audit(build, AuditAction.ROLLED_BACK)).isNotEmpty();
    }

    @Test
    public void aQuietWindowEndsTheWatchAndReturnsWhatWasObserved() throws Exception {
        // Given a canary of api whose alert does not fire
        cluster.createApp("api", KubernetesStepsTest.V1, 2);
        WorkflowJob job = Fixtures.sandboxedJob(j, "quiet",
                "deployCanary namespace: 'shop', deployment: 'api', image: '" + KubernetesStepsTest.V2 + "', weight: 50, " + access() + "\n"
                + "def r = rollbackOnAlert " + watch("api") + ", window: '4s'\n"
                + "echo \"watched ${r.observations} observations, ${r.sourceErrors} errors\"\n");

        // When it runs
        WorkflowRun build = j.assertBuildStatusSuccess(job.scheduleBuild2(0));

        // Then the watch ended quietly after its window, the canary still runs, and nothing was rolled back
        j.assertLogContains(", 0 errors", build);
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("api-canary").get()).isNotNull();
        assertThat(Fixtures.audit(build, AuditAction.ROLLED_BACK)).isEmpty();
    }
}
