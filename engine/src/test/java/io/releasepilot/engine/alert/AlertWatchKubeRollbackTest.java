package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.KubeRollbackTarget;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.engine.release.Lifecycle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole trigger: a real Prometheus alert on a canary rolls it back on the simulated cluster
 * (fabric8 CRUD mock + simulated Deployment controller) through the delivery's CanaryRollback.
 */
class AlertWatchKubeRollbackTest {

    static final String V1 = "registry.example.com/web@sha256:" + "1".repeat(64);
    static final String V2 = "registry.example.com/web@sha256:" + "2".repeat(64);
    static final Origin ORIGIN = new Origin("alice", "cli://test");

    @TempDir
    Path dir;

    @Test
    void firingCanaryAlertRemovesTheCanaryAndRestoresTheStableRelease() {
        RecordingProgress progress = new RecordingProgress();
        try (SimulatedCluster cluster = new SimulatedCluster("shop");
             AuditStore store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:e2e" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
             MetricsTarget metrics = MetricsTarget.start();
             LocalPrometheus prometheus = LocalPrometheus.start(dir, metrics, AlertWatchRealServersTest.RULES, null)) {
            cluster.createApp("web", V1, 4);
            new CanaryDeploy(cluster.client(), store, ORIGIN, progress, Lifecycle.DEFAULT).deploy(new CanaryRequest("shop", "web",
                    ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas, "INT", null, Duration.ofSeconds(20), false, null));
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).isNotNull();
            metrics.set("canary_error_ratio{service=\"web\",track=\"canary\"}", 0.3);
            await().atMost(Duration.ofSeconds(30)).until(() -> "firing".equals(prometheus.alertState("HighErrorRate", "service", "web")));
            CanaryRollback rollback = new CanaryRollback(cluster.client(), store, ORIGIN, progress);
            RollbackTarget target = new KubeRollbackTarget(rollback, "shop", "web", new RunId("cli://test/1@1"));
            TestWatch watch = new TestWatch(new AlertWatch(store, ORIGIN, progress), new WatchRequest(PrometheusAlerts.of(prometheus.url().toString(),
                    AlertSelector.parse(List.of("HighErrorRate"), List.of("track=\"canary\"", "service=\"web\"")), Duration.ofSeconds(2)),
                    new WatchOptions(Duration.ofSeconds(30), Duration.ofMillis(200), 1, OnError.FAIL, 3),
                    new WatchSubject(null, "INT", "shop", "web"), target), progress);

            assertThatThrownBy(watch::watch).isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("rolled back shop/web: alert HighErrorRate{");

            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).as("canary removed").isNull();
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web").get()
                    .getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(V1);
            List<AuditRecord> records = new ArrayList<>(store.list(AuditFilter.newest(100)));
            Collections.reverse(records);
            assertThat(records).extracting(r -> r.event().action())
                    .containsSubsequence(AuditAction.CANARY_STARTED, AuditAction.ALERT_FIRED, AuditAction.ROLLED_BACK);
            assertThat(progress.text().indexOf("canary traffic set to 0%"))
                    .isLessThan(progress.text().indexOf("[rollback] shop/web: restoring"));
        }
    }
}
