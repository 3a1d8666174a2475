package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP smoke checks run against the ready canary before it gets traffic. */
class CanarySmokeCheckTest {

    private final KubeFixture k = new KubeFixture();
    private HttpServer http;
    private final AtomicInteger canaryPodsInStableServiceDuringCheck = new AtomicInteger(-1);

    @BeforeEach
    void start() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.createContext("/observe", exchange -> {
            // What the stable Service would send requests to while the check runs.
            canaryPodsInStableServiceDuringCheck.set((int) k.cluster.client().pods().inNamespace(NS).withLabels(Map.of("app", "web")).list()
                    .getItems().stream().filter(p -> "canary".equals(p.getMetadata().getLabels().get(DeploymentTarget.TRACK_LABEL))).count());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.createContext("/broken", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
        k.close();
    }

    private CanaryRequest withSmoke(String path) {
        SmokeCheck check = new SmokeCheck(URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path), 200, 2, Duration.ofMillis(50));
        return new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas, "INT", null,
                Duration.ofSeconds(20), false, null, List.of(check),
                DeliveryStrategy.CANARY, null);
    }

    @Test
    void aPassingSmokeCheckLetsTheCanaryTakeTraffic() {
        k.cluster.createApp("web", V1, 4);

        k.deploy().deploy(withSmoke("/healthz"));

        assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_RUNNING);
        assertThat(k.lines).anySatisfy(l -> assertThat(l).contains("smoke check http://127.0.0.1:").endsWith("/healthz answered 200"));
    }

    @Test
    void withTheReplicasRouterNoCanaryPodIsInTheStableServiceWhileTheChecksRun() {
        k.cluster.createApp("web", V1, 4);

        k.deploy().deploy(withSmoke("/observe"));

        assertThat(canaryPodsInStableServiceDuringCheck.get()).isZero();
    }

    @Test
    void withTheReplicasRouterTheCheckedCanaryJoinsTheStableServiceBeforeTheStableSideGivesUpPods() {
        k.cluster.createApp("web", V1, 4);

        k.deploy().deploy(withSmoke("/healthz"));

        var joined = k.cluster.client().pods().inNamespace(NS).withLabels(Map.of("app", "web", DeploymentTarget.TRACK_LABEL, "canary"))
                .list().getItems();
        assertThat(joined).hasSize(1);
        assertThat(joined.get(0).getSpec().getContainers().get(0).getImage()).isEqualTo(V2);
        assertThat(k.replicasOf("web")).isEqualTo(3);
        assertThat(k.cluster.client().services().inNamespace(NS).withName("web-canary").get().getSpec().getSelector())
                .doesNotContainKey("app");
    }

    @Test
    void rollbackOfASmokeCheckedCanaryRemovesItsCanaryOnlyService() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(withSmoke("/healthz"));

        k.rollback().rollback(NS, "web", "done testing");

        assertThat(k.cluster.client().services().inNamespace(NS).withName("web-canary").get()).isNull();
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.replicasOf("web")).isEqualTo(4);
    }

    @Test
    void aFailingSmokeCheckRemovesTheCanaryBeforeItGetsTraffic() {
        k.cluster.createApp("web", V1, 4);

        assertThatThrownBy(() -> k.deploy().deploy(withSmoke("/broken")))
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageContaining("/broken failed 2 times, last: HTTP 503, expected 200");

        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED FAILED", "ROLLED_BACK SUCCEEDED");
    }

    @Test
    void aSmokeUrlWithCredentialsOrAnotherSchemeIsRefused() {
        assertThatThrownBy(() -> SmokeCheck.parse("smoke-url", "http://user:pw@web-canary/healthz"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no user:password in it");
        assertThatThrownBy(() -> SmokeCheck.parse("smoke-url", "ftp://web-canary/healthz")).isInstanceOf(InvalidInputException.class);
        assertThat(SmokeCheck.parse("smoke-url", "http://web-canary:8080/healthz=204").expectedStatus()).isEqualTo(204);
    }
}
