package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.V3;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.act.LeaseConflictException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A canary that does not become healthy is removed, recorded honestly, and the act fails. */
class CanaryFailureTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aCanaryThatNeverGetsReadyIsRemovedWhenTheDeadlinePasses() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().behave(V2, PodBehaviour.NEVER_READY);

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofSeconds(2))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("the canary was not ready within 2s (0/1 ready)")
                .hasMessageContaining("the canary was removed");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.ROLLED_BACK);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED FAILED", "ROLLED_BACK SUCCEEDED");
    }

    @Test
    void aCrashLoopingCanaryFailsBeforeTheDeadline() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().behave(V2, PodBehaviour.CRASH_LOOP);

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofMinutes(5))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("CrashLoopBackOff")
                .hasMessageContaining("more than the limit of 3");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.records().get(0).event().reason()).contains("CrashLoopBackOff");
    }

    @Test
    void aSlowCanaryThatGetsReadyWithinTheDeadlineSucceeds() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMillis(1500));

        CanaryResult result = k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofSeconds(30)));

        assertThat(result.canaryReplicas()).isEqualTo(1);
        assertThat(k.lines).contains("[deployCanary] shop/web: canary at 25% (0/1 ready)", "[deployCanary] shop/web: canary at 25% (1/1 ready)");
    }

    @Test
    void aPromoteWhoseStableNeverGetsAvailableFailsAndLeavesTheCanaryInPlace() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.cluster.controller().behave(V2, PodBehaviour.NEVER_READY);

        assertThatThrownBy(() -> k.promote().promote(new PromoteRequest(NS, "web", "INT", false, null, Duration.ofSeconds(2))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("the canary still runs");

        assertThat(k.deployment("web-canary")).isNotNull();
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.PROMOTING);
        assertThat(k.records().get(1).event().outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void aRollbackAfterAFailedPromoteRestoresTheStableImage() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.cluster.controller().behave(V2, PodBehaviour.NEVER_READY);
        assertThatThrownBy(() -> k.promote().promote(new PromoteRequest(NS, "web", "INT", false, null, Duration.ofSeconds(1))))
                .isInstanceOf(DeploymentFailedException.class);

        k.rollback().rollback(NS, "web", "promote stuck");

        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.deployment("web-canary")).isNull();
    }

    @Test
    void aSecondRunWhileTheFirstHoldsTheDeploymentGetsAConflictAndChangesNothing() throws Exception {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofSeconds(3));
        Thread first = new Thread(() -> k.deploy().deploy(canary("web", V2, 25)));
        first.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> k.deployment("web").getMetadata().getAnnotations() != null
                        && k.deployment("web").getMetadata().getAnnotations().containsKey(RunLock.ANNOTATION));

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V3, 50)))
                .isInstanceOf(LeaseConflictException.class)
                .hasMessageContaining("deployment shop/web is held by another run: engine://")
                .hasMessageContaining("(deployCanary by alice from https://jenkins.example.com/job/web/7/")
                .hasMessageContaining("its lease runs out at 20");

        first.join();
        assertThat(k.imageOf("web-canary")).isEqualTo(V2);
        assertThat(k.state("web").canaryImage()).isEqualTo(V2);
        assertThat(k.records()).extracting(r -> r.event().action()).containsExactly(AuditAction.CANARY_STARTED);
    }
}
