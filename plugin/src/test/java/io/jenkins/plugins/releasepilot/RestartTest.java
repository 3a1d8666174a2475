package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.time.Duration;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsSessionRule;

/**
 * A controller restart in the middle of deployCanary's wait: Jenkins stops and starts again on the
 * same JENKINS_HOME (in this JVM, so the SIMULATED cluster keeps running meanwhile), the build
 * resumes the same act with the same deadline, and finishes once the canary is ready.
 */
public class RestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Rule
    public JenkinsSessionRule sessions = new JenkinsSessionRule();

    private static SimulatedCluster cluster;

    @BeforeClass
    public static void startCluster() {
        cluster = new SimulatedCluster("shop");
        cluster.controller().readyAfter(Duration.ofMillis(200));
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
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
}
