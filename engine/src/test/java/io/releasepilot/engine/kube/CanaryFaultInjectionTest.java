package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.V3;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.sandbox.cluster.FaultInjectingDispatcher.Faults;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With the API server failing a share of requests on purpose (409 on writes, 429, 500/503,
 * refused watches, slow answers), every act still converges and records exactly what happened.
 */
class CanaryFaultInjectionTest {

    private static final Faults UNRELIABLE = new Faults(0.15, 0.05, 0.05, 0.3, 0.05, Duration.ofMillis(150));

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aWholeReleaseConvergesOnAnUnreliableApiServer() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.dispatcher().faults(UNRELIABLE);

        k.deploy().deploy(canary("web", V2, 25));
        k.deploy().deploy(canary("web", V2, 50));
        k.promote().promote(promoteIn("web", "INT"));
        k.deploy().deploy(canary("web", V3, 25));
        k.rollback().rollback(NS, "web", "latency alert");

        assertThat(k.cluster.dispatcher().injected()).as("faults injected").isPositive();
        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED SUCCEEDED", "CANARY_ADVANCED SUCCEEDED", "PROMOTED SUCCEEDED",
                        "CANARY_STARTED SUCCEEDED", "ROLLED_BACK SUCCEEDED");
    }

    @Test
    void aCanaryThatNeverGetsReadyOnAnUnreliableApiServerIsRemovedAndRecordedHonestly() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().behave(V2, io.releasepilot.sandbox.cluster.PodBehaviour.NEVER_READY);
        k.cluster.dispatcher().faults(UNRELIABLE);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofSeconds(2))))
                .isInstanceOf(io.releasepilot.engine.DeploymentFailedException.class)
                .hasMessageContaining("the canary was not ready within 2s");

        k.cluster.dispatcher().faults(io.releasepilot.sandbox.cluster.FaultInjectingDispatcher.Faults.NONE);
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED FAILED", "ROLLED_BACK SUCCEEDED");
    }

    @Test
    void waitsSurviveWatchesThatAreRefusedOrDroppedWhileOpen() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofSeconds(2));
        k.cluster.dispatcher().faults(new Faults(0, 0, 0, 1.0, 0, Duration.ZERO));

        k.deploy().deploy(canary("web", V2, 25));
        k.promote().promote(promoteIn("web", "INT"));

        assertThat(k.cluster.dispatcher().watchesDropped()).as("watches dropped while open").isPositive();
        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.deployment("web-canary")).isNull();
    }
}
