package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A HorizontalPodAutoscaler on the stable Deployment owns its replicas, as Argo Rollouts leaves it. */
class HpaTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    /** An HPA scaling deployment/web between 2 and 20 pods that runs {@code current} now. */
    private void autoscaled(int current) {
        k.cluster.client().autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).resource(new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().withMinReplicas(2).withMaxReplicas(20)
                    .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
                .endSpec()
                .build()).create();
        hpaScales(current);
    }

    /** What the HPA does when the load changes: a new count in its status and in the Deployment's replicas. */
    private void hpaScales(int current) {
        k.cluster.client().autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).withName("web").edit(h -> new HorizontalPodAutoscalerBuilder(h)
                .withNewStatus().withCurrentReplicas(current).withDesiredReplicas(current).endStatus().build());
        k.cluster.editDeployment("web", d -> {
            d.getSpec().setReplicas(current);
            return d;
        });
    }

    @Test
    void theCanaryIsSizedFromTheHpasCurrentReplicasWhenItAdvances() {
        k.cluster.createApp("web", V1, 4);
        autoscaled(10);
        k.deploy().deploy(canary("web", V2, 20));
        hpaScales(15);

        CanaryResult result = k.deploy().deploy(canary("web", V2, 40));

        assertThat(result.canaryReplicas()).isEqualTo(6);
        assertThat(k.replicasOf("web-canary")).isEqualTo(6);
        assertThat(k.replicasOf("web")).isEqualTo(15);
    }

    @Test
    void theStableReplicasAreLeftToTheHpaWhileTheCanaryRuns() {
        k.cluster.createApp("web", V1, 4);
        autoscaled(4);

        CanaryResult result = k.deploy().deploy(canary("web", V2, 25));

        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(result.stableReplicas()).isEqualTo(4);
        assertThat(result.effectiveWeight()).isEqualTo(20);
    }

    @Test
    void promoteChangesTheTemplateAndKeepsTheReplicasTheHpaSetMeanwhile() {
        k.cluster.createApp("web", V1, 4);
        autoscaled(4);
        k.deploy().deploy(canary("web", V2, 25));
        hpaScales(6);

        k.promote().promote(promoteIn("web", "INT"));

        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.replicasOf("web")).isEqualTo(6);
        assertThat(k.deployment("web-canary")).isNull();
    }

    @Test
    void rollingBackACanaryKeepsTheReplicasTheHpaSetMeanwhile() {
        k.cluster.createApp("web", V1, 4);
        autoscaled(4);
        k.deploy().deploy(canary("web", V2, 25));
        hpaScales(7);

        k.rollback().rollback(NS, "web", "the HPA keeps its count");

        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.replicasOf("web")).isEqualTo(7);
        assertThat(k.deployment("web-canary")).isNull();
    }

    @Test
    void withoutAnHpaTheReplicasRouterStillGivesTheCanaryItsShareOfTheStablePods() {
        k.cluster.createApp("web", V1, 4);

        k.deploy().deploy(canary("web", V2, 25));

        assertThat(k.replicasOf("web")).isEqualTo(3);
        assertThat(k.replicasOf("web-canary")).isEqualTo(1);
    }
}
