package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.V3;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emergency brake holds: it is recorded on the Deployment and no deploy or promote under way undoes it. */
class CanaryBrakeTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void theBrakeStopsADeployInFlightWhichThenLeavesTrafficAtZero() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofSeconds(2));
        ActHandle<CanaryResult> inFlight = new CanaryDeploy(k.run(k.cluster.client(), Duration.ofMillis(600)))
                .start(canary("web", V2, 25), new RunId("https://jenkins.example.com/job/web/7/#17"));

        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        await().atMost(Duration.ofSeconds(30)).until(() -> inFlight.completion().isDone());
        assertThatThrownBy(inFlight.completion()::join).cause().isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("canary traffic was zeroed")
                .hasMessageContaining("by alice from https://jenkins.example.com/job/web/7/ (error rate above 5%)");
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.replicasOf("web-canary")).isZero();
        assertThat(k.deployment("web").getMetadata().getAnnotations()).containsKey(Brake.ANNOTATION);
        assertThat(k.lease("web")).isNull();
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("TRAFFIC_ZEROED SUCCEEDED", "CANARY_STARTED FAILED");
    }

    @Test
    void aPromoteAfterTheBrakeStopsBeforeItChangesTheStableRelease() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        assertThatThrownBy(() -> k.promote().promote(promoteIn("web", "INT")))
                .isInstanceOf(DeploymentFailedException.class).hasMessageContaining("canary traffic was zeroed");

        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.replicasOf("web-canary")).isZero();
    }

    @Test
    void aNewDeployCanaryTakesTheBrakeOff() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        k.deploy().deploy(canary("web", V3, 25));

        assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(Brake.ANNOTATION);
        assertThat(k.imageOf("web-canary")).isEqualTo(V3);
        assertThat(k.replicasOf("web-canary")).isEqualTo(1);
    }

    @Test
    void aRollbackTakesTheBrakeOffAndRemovesTheCanary() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        k.rollback().rollback(NS, "web", "alert");

        assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(Brake.ANNOTATION);
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.ROLLED_BACK);
    }
}
