package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Blue/green: a full-size preview without traffic, switched at once by promote, instant to undo in the scale-down delay. */
class BlueGreenTest {

    private static final Map<String, String> STABLE_SELECTOR = Map.of("app", "web");
    private static final Map<String, String> PREVIEW_SELECTOR = Map.of("releasepilot.io/track", "canary", "releasepilot.io/canary-of", "web");

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    private static CanaryRequest blueGreen(Duration scaleDownDelay) {
        return new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 10, null, "INT", null, Duration.ofSeconds(20),
                false, null, List.of(), DeliveryStrategy.BLUE_GREEN, scaleDownDelay);
    }

    private Map<String, String> serviceSelector() {
        return k.cluster.client().services().inNamespace(NS).withName("web").get().getSpec().getSelector();
    }

    @Test
    void thePreviewRunsAtFullSizeAndTakesNoTraffic() {
        k.cluster.createApp("web", V1, 4);

        CanaryResult result = k.deploy().deploy(blueGreen(Duration.ofSeconds(1)));

        assertThat(k.replicasOf("web-canary")).isEqualTo(4);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(result.effectiveWeight()).isZero();
        assertThat(serviceSelector()).isEqualTo(STABLE_SELECTOR);
        assertThat(k.cluster.client().services().inNamespace(NS).withName("web-canary").get().getSpec().getSelector())
                .isEqualTo(PREVIEW_SELECTOR);
        assertThat(k.state("web").strategy()).isEqualTo(DeliveryStrategy.BLUE_GREEN);
        assertThat(k.lines).contains("[deployCanary] shop/web: preview web-canary ready (4/4), no traffic until promote");
    }

    @Test
    void promoteSwitchesTheServiceAtOnceThenMovesTheStableDeploymentAndRemovesThePreview() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(blueGreen(Duration.ofMillis(500)));

        k.promote().promote(KubeFixture.promoteIn("web", "INT"));

        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(serviceSelector()).isEqualTo(STABLE_SELECTOR);
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.cluster.client().services().inNamespace(NS).withName("web").get().getMetadata().getAnnotations())
                .doesNotContainKey(BlueGreenSwitch.STABLE_SELECTOR);
        int switched = k.lines.indexOf("[promote] shop/web: Service web now sends every request to the preview web-canary (" + V2 + ")");
        int stableMoved = k.lines.indexOf("[promote] shop/web: stable moving to " + V2 + " (release 222222222222) on 4 replica(s)");
        assertThat(switched).isNotNegative().isLessThan(stableMoved);
    }

    @Test
    void aRollbackDuringTheScaleDownDelaySwitchesBackAtOnceAndStopsThePromote() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(blueGreen(Duration.ofMinutes(2)));
        CompletableFuture<PromoteResult> promote = CompletableFuture.supplyAsync(() -> k.promote().promote(KubeFixture.promoteIn("web", "INT")));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> PREVIEW_SELECTOR.equals(serviceSelector()));

        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        assertThat(serviceSelector()).isEqualTo(STABLE_SELECTOR);
        assertThatThrownBy(promote::join).hasCauseInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("was switched back to the previous release during the scale-down delay");
        k.rollback().rollback(NS, "web", "alert during the scale-down delay");
        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.deployment("web-canary")).isNull();
        // The brake's record and the stopped promote's are written by two acts at once: either may come first.
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactlyInAnyOrder("CANARY_STARTED SUCCEEDED", "PROMOTED FAILED", "TRAFFIC_ZEROED SUCCEEDED", "ROLLED_BACK SUCCEEDED");
        assertThat(k.records().get(k.records().size() - 1).event().action()).isEqualTo(AuditAction.ROLLED_BACK);
    }

    @Test
    void blueGreenTakesNoTrafficRouter() {
        assertThatThrownBy(() -> new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 10, TrafficRouting.istio, null, null,
                Duration.ofMinutes(1), false, null, List.of(), DeliveryStrategy.BLUE_GREEN, null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid traffic: 'istio'");
    }
}
