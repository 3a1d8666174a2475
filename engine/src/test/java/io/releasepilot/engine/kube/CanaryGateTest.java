package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lifecycle INT → UAT → PROD: a digest enters an environment only after its promote in the one before. */
class CanaryGateTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aDigestNeverPromotedInUatIsDeniedInProdAuditedAndNothingChanges() {
        k.cluster.createApp("web", V1, 4);

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25, "PROD", Duration.ofSeconds(20))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("of web was never promoted in UAT");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.state("web")).isEqualTo(CanaryState.NONE);
        AuditRecord denied = k.records().get(0);
        assertThat(denied.event().action()).isEqualTo(AuditAction.GATE_DENIED);
        assertThat(denied.event().outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.event().environment()).isEqualTo("PROD");
        assertThat(denied.event().image()).isEqualTo(V2);
    }

    @Test
    void aDigestPromotedInIntThenUatMayEnterProd() {
        k.cluster.createApp("web", V1, 4);
        for (String env : new String[] {"INT", "UAT"}) {
            k.deploy().deploy(canary("web", V2, 25, env, Duration.ofSeconds(20)));
            k.promote().promote(promoteIn("web", env));
            k.rollback().rollback(NS, "web", "back to V1 to try the next environment");
        }

        k.deploy().deploy(canary("web", V2, 25, "PROD", Duration.ofSeconds(20)));
        k.promote().promote(promoteIn("web", "PROD"));

        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.records()).noneMatch(r -> r.event().action() == AuditAction.GATE_DENIED);
    }

    @Test
    void aPromoteSkippingAnEnvironmentIsDenied() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofSeconds(20)));
        k.promote().promote(promoteIn("web", "INT"));
        k.rollback().rollback(NS, "web", "reset");
        k.deploy().deploy(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas,
                "UAT", null, Duration.ofSeconds(20), false, null));
        k.rollback().rollback(NS, "web", "reset");

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 25, "PROD", Duration.ofSeconds(20))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("never promoted in UAT");
    }

    @Test
    void aTagIsDeployedPinnedToTheDigestTheRegistrySaysAndTheGateJudgesThatDigest() {
        k.cluster.createApp("web", V1, 4);
        String tag = "registry.example.com/web:2.0";
        String digest = V2.substring(V2.indexOf('@') + 1);
        k.deploy().deploy(canary("web", V2, 25, "INT", Duration.ofSeconds(20)));
        k.promote().promote(promoteIn("web", "INT"));
        k.rollback().rollback(NS, "web", "back to V1 to try UAT");

        k.deployResolving(java.util.Map.of(tag, digest)).deploy(canary("web", tag, 25, "UAT", Duration.ofSeconds(20)));

        assertThat(k.imageOf("web-canary")).isEqualTo(tag + "@" + digest);
        assertThat(k.state("web").release()).isEqualTo("2.0");
        assertThat(k.lines).anyMatch(l -> l.contains(tag + " resolved to " + digest));
    }

    @Test
    void aTagPushedAgainAfterItsPromotionIsJudgedByItsNewDigest() {
        k.cluster.createApp("web", V1, 4);
        String tag = "registry.example.com/web:2.0";
        k.deployResolving(java.util.Map.of(tag, V2.substring(V2.indexOf('@') + 1))).deploy(canary("web", tag, 25, "INT", Duration.ofSeconds(20)));
        k.promote().promote(promoteIn("web", "INT"));
        k.rollback().rollback(NS, "web", "reset");

        assertThatThrownBy(() -> k.deployResolving(java.util.Map.of(tag, "sha256:" + "3".repeat(64)))
                .deploy(canary("web", tag, 25, "UAT", Duration.ofSeconds(20))))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("sha256:" + "3".repeat(64) + " of web was never promoted in INT");
    }

    @Test
    void aTagThatCannotBeResolvedIsRefusedInAGatedEnvironmentSayingToDeployByDigest() {
        k.cluster.createApp("web", V1, 4);

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", "registry.example.com/web:2.0", 25, "UAT", Duration.ofSeconds(20))))
                .isInstanceOf(io.releasepilot.engine.InvalidInputException.class)
                .hasMessageContaining("invalid image: 'registry.example.com/web:2.0'")
                .hasMessageContaining("UAT is gated by digest")
                .hasMessageContaining("deploy by digest");
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.records()).isEmpty();
    }

    @Test
    void anUnresolvedTagMayStillEnterTheFirstEnvironment() {
        k.cluster.createApp("web", V1, 4);

        k.deploy().deploy(canary("web", "registry.example.com/web:2.0", 25, "INT", Duration.ofSeconds(20)));

        assertThat(k.imageOf("web-canary")).isEqualTo("registry.example.com/web:2.0");
        assertThat(k.lines).anyMatch(l -> l.contains("deploying the tag registry.example.com/web:2.0 unpinned in INT"));
    }

    @Test
    void aHotfixWithAReasonPassesTheGateAndIsAuditedAsHotfix() {
        k.cluster.createApp("web", V1, 4);
        CanaryRequest hotfix = new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 50, TrafficRouting.replicas,
                "PROD", null, Duration.ofSeconds(20), true, "CVE-2026-1234 fix, UAT is down");

        k.deploy().deploy(hotfix);
        k.promote().promote(new PromoteRequest(NS, "web", "PROD", true, "CVE-2026-1234 fix, UAT is down", Duration.ofSeconds(20)));

        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.records()).extracting(r -> r.event().action())
                .containsExactly(AuditAction.HOTFIX, AuditAction.CANARY_STARTED, AuditAction.HOTFIX, AuditAction.PROMOTED);
        assertThat(k.records().get(0).event().reason()).isEqualTo("CVE-2026-1234 fix, UAT is down");
        assertThat(k.records().get(0).event().details().get("bypassedGate")).contains("never promoted in UAT");
    }

    @Test
    void aPromoteIntoAnEnvironmentTheDigestMayNotEnterIsDeniedAndTheCanaryKeepsRunning() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas,
                "PROD", null, Duration.ofSeconds(20), true, "canary only, to reproduce a PROD bug"));

        assertThatThrownBy(() -> k.promote().promote(promoteIn("web", "PROD")))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("promote denied")
                .hasMessageContaining("never promoted in UAT");

        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_RUNNING);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("HOTFIX SUCCEEDED", "CANARY_STARTED SUCCEEDED", "GATE_DENIED DENIED");
    }
}
