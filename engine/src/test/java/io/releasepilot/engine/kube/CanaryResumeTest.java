package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host that restarts mid-act (a Jenkins controller): new engine objects, the same run id. The
 * act is rebuilt from what the Deployment records and keeps its original absolute deadline.
 */
class CanaryResumeTest {

    private static final RunId RUN = new RunId("https://jenkins.example.com/job/web/7/#17");

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aHostThatRestartedResumesTheActWithItsOriginalDeadline() throws Exception {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofSeconds(3));
        KubernetesClient firstHost = k.cluster.newClient();
        ActHandle<CanaryResult> before = new CanaryDeploy(k.run(firstHost, RunLock.TTL)).start(canary("web", V2, 25, "INT",
                Duration.ofMinutes(2)), RUN);
        Instant deadline = before.deadline();
        firstHost.close();

        ActHandle<CanaryResult> after = new CanaryDeploy(k.run(k.cluster.newClient(), RunLock.TTL)).resume(RUN, NS, "web");

        assertThat(after.deadline()).isEqualTo(deadline);
        assertThat(after.runId()).isEqualTo(RUN);
        CanaryResult result = after.await();
        assertThat(result.image()).isEqualTo(V2);
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_RUNNING);
        assertThat(k.lease("web")).isNull();
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome()).containsExactly("CANARY_STARTED SUCCEEDED");
    }

    @Test
    void aResumeAfterTheActFinishedCompletesWithTheSameRecord() throws Exception {
        k.cluster.createApp("web", V1, 4);
        CanaryResult done = k.deploy().start(canary("web", V2, 25), RUN).await();

        CanaryResult resumed = k.deploy().resume(RUN, NS, "web").await();

        assertThat(resumed.changed()).isFalse();
        assertThat(resumed.auditSeq()).isEqualTo(done.auditSeq());
        assertThat(k.records()).hasSize(1);
    }

    @Test
    void aResumeOfARunWhoseActIsNotRecordedOnTheDeploymentIsRefused() throws Exception {
        k.cluster.createApp("web", V1, 4);
        k.deploy().start(canary("web", V2, 25), RUN).await();

        assertThatThrownBy(() -> k.promote().resume(RUN, NS, "web"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid run: '" + RUN + "'")
                .hasMessageContaining("the last act recorded there is deployCanary by run " + RUN);
    }
}
