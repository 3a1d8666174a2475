package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.Outcome;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** deployCanary → advance → promote → rollback on the replicas router, against the simulated cluster. */
class CanaryLifecycleTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void deployCanaryCreatesACanarySizedToTheWeightAndRecordsItsStateOnTheCluster() {
        k.cluster.createApp("web", V1, 10);

        CanaryResult result = k.deploy().deploy(canary("web", V2, 10));

        assertThat(k.imageOf("web-canary")).isEqualTo(V2);
        assertThat(k.replicasOf("web-canary")).isEqualTo(1);
        assertThat(k.replicasOf("web")).isEqualTo(9);
        assertThat(result.effectiveWeight()).isEqualTo(10);
        CanaryState state = k.state("web");
        assertThat(state.step()).isEqualTo(CanaryStep.CANARY_RUNNING);
        assertThat(state.canaryImage()).isEqualTo(V2);
        assertThat(state.stableImage()).isEqualTo(V1);
        assertThat(state.weight()).isEqualTo(10);
        assertThat(state.stableReplicas()).isEqualTo(10);
        assertThat(state.release()).isEqualTo("222222222222");
        assertThat(k.deployment("web").getMetadata().getAnnotations()).doesNotContainKey(RunLock.ANNOTATION);
        assertThat(k.lines).contains("[deployCanary] shop/web: canary at 10% (1/10 ready)");
        AuditRecord r = k.records().get(0);
        assertThat(r.event().action()).isEqualTo(AuditAction.CANARY_STARTED);
        assertThat(r.event().image()).isEqualTo(V2);
        assertThat(r.event().previousImage()).isEqualTo(V1);
        assertThat(r.event().details()).containsEntry("weight", "10").containsEntry("effectiveWeight", "10");
    }

    @Test
    void theEffectiveWeightIsReportedHonestlyWhenReplicasCannotSplitFinely() {
        k.cluster.createApp("web", V1, 3);

        CanaryResult result = k.deploy().deploy(canary("web", V2, 10));

        assertThat(result.effectiveWeight()).isEqualTo(33);
        assertThat(k.state("web").effectiveWeight()).isEqualTo(33);
        assertThat(k.lines).anySatisfy(l -> assertThat(l).contains("canary at 33% (1/3 ready); 10% was asked"));
    }

    @Test
    void callingAgainWithAHigherWeightAdvancesTheSameCanary() {
        k.cluster.createApp("web", V1, 10);
        k.deploy().deploy(canary("web", V2, 10));

        CanaryResult result = k.deploy().deploy(canary("web", V2, 50));

        assertThat(k.replicasOf("web-canary")).isEqualTo(5);
        assertThat(k.replicasOf("web")).isEqualTo(5);
        assertThat(result.effectiveWeight()).isEqualTo(50);
        assertThat(k.records()).extracting(x -> x.event().action())
                .containsExactly(AuditAction.CANARY_STARTED, AuditAction.CANARY_ADVANCED);
        assertThat(k.state("web").stableReplicas()).isEqualTo(10);
    }

    @Test
    void promoteMovesStableToTheCanaryImageAtFullSizeAndRemovesTheCanary() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));

        PromoteResult result = k.promote().promote(promoteIn("web", "INT"));

        assertThat(k.imageOf("web")).isEqualTo(V2);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(result.previousImage()).isEqualTo(V1);
        CanaryState state = k.state("web");
        assertThat(state.step()).isEqualTo(CanaryStep.PROMOTED);
        assertThat(state.previousImage()).isEqualTo(V1);
        assertThat(state.canaryImage()).isNull();
        AuditRecord promoted = k.records().get(1);
        assertThat(promoted.event().action()).isEqualTo(AuditAction.PROMOTED);
        assertThat(promoted.event().environment()).isEqualTo("INT");
        assertThat(promoted.event().image()).isEqualTo(V2);
        assertThat(promoted.event().previousImage()).isEqualTo(V1);
    }

    @Test
    void promoteRemovesTheCanaryOnlyAfterTheStableDeploymentIsFullyAvailable() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));

        k.promote().promote(promoteIn("web", "INT"));

        int stableAvailable = lineIndex("[promote] shop/web: stable 4/4 available, 4/4 updated");
        int canaryRemoved = lineIndex("[promote] shop/web: canary web-canary removed");
        assertThat(stableAvailable).isNotNegative().isLessThan(canaryRemoved);
    }

    @Test
    void rollbackOfACanaryRemovesItAndGivesTheStableItsReplicasBack() {
        k.cluster.createApp("web", V1, 10);
        k.deploy().deploy(canary("web", V2, 30));

        RollbackResult result = k.rollback().rollback(KubeFixture.NS, "web", "error rate too high");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(k.replicasOf("web")).isEqualTo(10);
        assertThat(result.canaryRemoved()).isTrue();
        assertThat(result.restoredImage()).isEqualTo(V1);
        AuditRecord r = k.records().get(1);
        assertThat(r.event().action()).isEqualTo(AuditAction.ROLLED_BACK);
        assertThat(r.event().image()).isEqualTo(V1);
        assertThat(r.event().previousImage()).isEqualTo(V2);
        assertThat(r.event().reason()).isEqualTo("error rate too high");
        assertThat(r.event().outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void rollbackAfterAPromoteRestoresThePreviousRelease() {
        k.cluster.createApp("web", V1, 3);
        k.deploy().deploy(canary("web", V2, 50));
        k.promote().promote(promoteIn("web", "INT"));

        RollbackResult result = k.rollback().rollback(KubeFixture.NS, "web", "customers report errors");

        assertThat(k.imageOf("web")).isEqualTo(V1);
        assertThat(result.rolledBack()).isEqualTo(V2);
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.ROLLED_BACK);
        List<AuditRecord> records = k.records();
        assertThat(records.get(records.size() - 1).event().action()).isEqualTo(AuditAction.ROLLED_BACK);
    }

    @Test
    void zeroCanaryTrafficScalesTheCanaryToZeroAtOnceAndIsIdempotent() {
        k.cluster.createApp("web", V1, 10);
        k.deploy().deploy(canary("web", V2, 20));

        k.rollback().zeroCanaryTraffic(KubeFixture.NS, "web", "error rate above 5%");
        k.rollback().zeroCanaryTraffic(KubeFixture.NS, "web", "error rate above 5%");

        assertThat(k.replicasOf("web-canary")).isZero();
        assertThat(k.replicasOf("web")).isEqualTo(10);
        assertThat(k.records()).extracting(r -> r.event().action()).containsExactly(AuditAction.CANARY_STARTED, AuditAction.TRAFFIC_ZEROED);
        assertThat(k.deployment("web").getMetadata().getAnnotations().get(Brake.ANNOTATION))
                .startsWith("by=alice;origin=https://jenkins.example.com/job/web/7/;why=error rate above 5%;at=");
    }

    private int lineIndex(String line) {
        return k.lines.indexOf(line);
    }
}
