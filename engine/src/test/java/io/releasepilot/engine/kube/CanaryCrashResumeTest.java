package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.act.LeaseConflictException;
import io.releasepilot.engine.act.RunId;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Crash at every step: for each write an act makes, the act's process dies right after that write
 * (every later request refused); a resumed run (same run id, as a Jenkins execution resumes) then
 * converges to exactly the state and the audit records of an uninterrupted run.
 */
class CanaryCrashResumeTest {

    private static final RunId RUN = new RunId("run-7");

    @Test
    void deployCanaryResumedAfterACrashAtAnyWriteConverges() {
        crashAtEveryWrite(k -> k.cluster.createApp("web", V1, 4),
                k -> KubeAct.join(k.deploy().start(canary("web", V2, 25), RUN)),
                k -> {
                    assertThat(k.imageOf("web-canary")).isEqualTo(V2);
                    assertThat(k.replicasOf("web-canary")).isEqualTo(1);
                    assertThat(k.replicasOf("web")).isEqualTo(3);
                    assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_RUNNING);
                    assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
                    assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                            .containsExactly("CANARY_STARTED SUCCEEDED");
                });
    }

    @Test
    void promoteResumedAfterACrashAtAnyWriteConverges() {
        crashAtEveryWrite(k -> {
                    k.cluster.createApp("web", V1, 4);
                    k.deploy().deploy(canary("web", V2, 25));
                },
                k -> KubeAct.join(k.promote().start(promoteIn("web", "INT"), RUN)),
                k -> {
                    assertThat(k.imageOf("web")).isEqualTo(V2);
                    assertThat(k.replicasOf("web")).isEqualTo(4);
                    assertThat(k.deployment("web-canary")).isNull();
                    assertThat(k.state("web").step()).isEqualTo(CanaryStep.PROMOTED);
                    assertThat(k.state("web").previousImage()).isEqualTo(V1);
                    assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
                    assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                            .containsExactly("CANARY_STARTED SUCCEEDED", "PROMOTED SUCCEEDED");
                });
    }

    @Test
    void rollbackResumedAfterACrashAtAnyWriteConverges() {
        crashAtEveryWrite(k -> {
                    k.cluster.createApp("web", V1, 4);
                    k.deploy().deploy(canary("web", V2, 25));
                },
                k -> KubeAct.join(k.rollback().start(new RollbackRequest(NS, "web", null, "bad canary", CanaryRollback.DEFAULT_TIMEOUT), RUN)),
                k -> {
                    assertThat(k.imageOf("web")).isEqualTo(V1);
                    assertThat(k.replicasOf("web")).isEqualTo(4);
                    assertThat(k.deployment("web-canary")).isNull();
                    assertThat(k.state("web").step()).isEqualTo(CanaryStep.ROLLED_BACK);
                    assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
                    assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome() + " " + r.event().previousImage())
                            .containsExactly("CANARY_STARTED SUCCEEDED " + V1, "ROLLED_BACK SUCCEEDED " + V2);
                });
    }

    @Test
    void anNginxCanaryResumedAfterACrashAtAnyWriteConverges() {
        crashAtEveryWrite(k -> {
                    k.cluster.createApp("web", V1, 4);
                    k.cluster.client().resource(new io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder()
                            .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                            .withNewSpec().addNewRule().withHost("web.example.com").withNewHttp().addNewPath().withPath("/")
                            .withPathType("Prefix").withNewBackend().withNewService().withName("web").withNewPort().withNumber(80).endPort()
                            .endService().endBackend().endPath().endHttp().endRule().endSpec().build()).create();
                },
                k -> KubeAct.join(k.deploy().start(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 20,
                        TrafficRouting.nginx, "INT", null, java.time.Duration.ofSeconds(20), false, null), RUN)),
                k -> {
                    assertThat(k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-web-canary").get()
                            .getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/canary-weight", "20");
                    assertThat(k.replicasOf("web")).isEqualTo(4);
                    assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_RUNNING);
                    assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
                    assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                            .containsExactly("CANARY_STARTED SUCCEEDED");
                });
    }

    @Test
    void aBlueGreenPromoteResumedAfterACrashAtAnyWriteConverges() {
        crashAtEveryWrite(k -> {
                    k.cluster.createApp("web", V1, 2);
                    k.deploy().deploy(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 10, null, "INT", null,
                            java.time.Duration.ofSeconds(20), false, null, java.util.List.of(), DeliveryStrategy.BLUE_GREEN,
                            java.time.Duration.ZERO));
                },
                k -> KubeAct.join(k.promote().start(promoteIn("web", "INT"), RUN)),
                k -> {
                    assertThat(k.imageOf("web")).isEqualTo(V2);
                    assertThat(k.deployment("web-canary")).isNull();
                    assertThat(k.cluster.client().services().inNamespace(NS).withName("web").get().getSpec().getSelector())
                            .isEqualTo(java.util.Map.of("app", "web"));
                    assertThat(k.state("web").step()).isEqualTo(CanaryStep.PROMOTED);
                    assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                            .containsExactly("CANARY_STARTED SUCCEEDED", "PROMOTED SUCCEEDED");
                });
    }

    @Test
    void aDifferentRunCannotTakeOverWhileTheCrashedRunsLockIsFresh() {
        try (KubeFixture k = new KubeFixture()) {
            k.cluster.createApp("web", V1, 4);
            k.cluster.dispatcher().crashAfterWrites(2);
            assertThatThrownBy(() -> KubeAct.join(k.deploy().start(canary("web", V2, 25), RUN))).isInstanceOf(EnvironmentException.class);
            k.cluster.dispatcher().recover();

            assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25)))
                    .isInstanceOf(LeaseConflictException.class)
                    .hasMessageContaining("another run: " + RUN);
        }
    }

    private static void crashAtEveryWrite(Consumer<KubeFixture> given, Function<KubeFixture, ?> act, Consumer<KubeFixture> converged) {
        long writes;
        try (KubeFixture clean = new KubeFixture()) {
            given.accept(clean);
            clean.cluster.dispatcher().crashAfterWrites(Long.MAX_VALUE);
            act.apply(clean);
            writes = clean.cluster.dispatcher().writes();
            converged.accept(clean);
        }
        assertThat(writes).as("writes of an uninterrupted run").isGreaterThanOrEqualTo(4);
        for (long crashAfter = 0; crashAfter < writes; crashAfter++) {
            try (KubeFixture k = new KubeFixture()) {
                given.accept(k);
                k.cluster.dispatcher().crashAfterWrites(crashAfter);
                try {
                    act.apply(k);
                } catch (EnvironmentException crashed) {
                    // The process died here; the resumed run below must finish the act.
                }
                assertThat(k.cluster.dispatcher().writes()).as("writes landed before the crash").isEqualTo(crashAfter);
                k.cluster.dispatcher().recover();

                act.apply(k);

                converged.accept(k);
            }
        }
    }
}
