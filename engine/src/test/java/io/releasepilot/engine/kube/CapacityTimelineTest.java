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

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import io.releasepilot.sandbox.cluster.ServingSample;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Capacity-safe clean-up, replayed from the simulated controller's timeline: while a failed
 * canary is cleaned up, a rollback runs or a blue/green Service switches back, the pods the stable
 * Service sends requests to never drop below the stable Deployment's full size minus its
 * maxUnavailable (0 here: no drop at all).
 */
class CapacityTimelineTest {

    private static final int REPLICAS = 4;
    private static final int MAX_UNAVAILABLE = 0;

    private final KubeFixture k = new KubeFixture();

    @BeforeEach
    void givenAStableDeploymentThatMayNotLoseAPod() {
        k.cluster.createApp("web", V1, REPLICAS);
        k.cluster.editDeployment("web", d -> new DeploymentBuilder(d).editSpec().editOrNewStrategy().withType("RollingUpdate")
                .editOrNewRollingUpdate().withMaxUnavailable(new IntOrString(MAX_UNAVAILABLE)).withMaxSurge(new IntOrString(1))
                .endRollingUpdate().endStrategy().endSpec().build());
        k.cluster.controller().readyAfter(Duration.ofMillis(300));
    }

    @AfterEach
    void close() {
        k.close();
    }

    private void assertServingNeverDroppedBelowTheStablesFullSize() {
        // The controller samples every 20 ms: wait until a sample shows the canary gone, so the timeline covers the whole act
        // (how many samples that takes depends on the machine's speed, and is no part of the claim).
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<ServingSample> samples = k.cluster.controller().timeline();
            return !samples.isEmpty() && !samples.get(samples.size() - 1).desired().containsKey("web-canary");
        });
        List<ServingSample> timeline = k.cluster.controller().timeline();
        assertThat(timeline).allSatisfy(sample -> assertThat(sample.serving())
                .as("ready pods behind Service web at %s (desired %s)", sample.at(), sample.desired())
                .isGreaterThanOrEqualTo(REPLICAS - MAX_UNAVAILABLE));
    }

    @Test
    void aFailedCanaryGivesTheStableItsReplicasBackBeforeTheCanaryGoes() {
        k.deploy().deploy(canary("web", V2, 25));
        k.cluster.controller().behave(V3, PodBehaviour.NEVER_READY);
        k.cluster.controller().recordServing("web");

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V3, 25, "INT", Duration.ofSeconds(2))))
                .isInstanceOf(DeploymentFailedException.class).hasMessageContaining("was not ready within 2s");

        assertThat(k.deployment("web-canary")).isNull();
        assertServingNeverDroppedBelowTheStablesFullSize();
    }

    @Test
    void aRollbackRemovesTheCanaryOnlyOnceTheStableIsFullyAvailable() {
        k.deploy().deploy(canary("web", V2, 25));
        k.cluster.controller().recordServing("web");

        k.rollback().rollback(NS, "web", "bad canary");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.replicasOf("web")).isEqualTo(REPLICAS);
        assertServingNeverDroppedBelowTheStablesFullSize();
    }

    @Test
    void aBlueGreenSwitchBackDuringTheScaleDownDelayAndTheRollbackKeepTheServiceOnReadyPods() {
        k.deploy().deploy(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 10, null, "INT", null,
                Duration.ofSeconds(20), false, null, List.of(), DeliveryStrategy.BLUE_GREEN, Duration.ofMinutes(2)));
        k.cluster.controller().recordServing("web");
        CompletableFuture<PromoteResult> promote = CompletableFuture.supplyAsync(() -> k.promote().promote(promoteIn("web", "INT")));
        await().atMost(Duration.ofSeconds(20)).until(() -> !k.cluster.controller().timeline().isEmpty()
                && k.cluster.controller().timeline().get(k.cluster.controller().timeline().size() - 1).selector().containsKey(DeploymentTarget.TRACK_LABEL));

        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");
        assertThatThrownBy(promote::join).hasCauseInstanceOf(DeploymentFailedException.class);
        k.rollback().rollback(NS, "web", "alert during the scale-down delay");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.cluster.controller().timeline()).as("the Service sent to the preview, then back to the stable pods")
                .anyMatch(sample -> sample.selector().containsKey(DeploymentTarget.TRACK_LABEL))
                .last().extracting(ServingSample::selector).isEqualTo(Map.of("app", "web"));
        assertServingNeverDroppedBelowTheStablesFullSize();
    }
}
