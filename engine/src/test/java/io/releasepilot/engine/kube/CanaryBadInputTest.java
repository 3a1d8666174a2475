package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bad input is refused with the parameter, the value and the accepted form, before anything changes. */
class CanaryBadInputTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    @Test
    void aNamespaceThatIsNotADnsLabelIsRefused() {
        assertThatThrownBy(() -> new CanaryRequest("Shop_1", "web", ContainerImage.parse("image", V2), null, 10,
                TrafficRouting.replicas, null, null, Duration.ofMinutes(1), false, null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid namespace: 'Shop_1' (expected a DNS-1123 label: 1-63 characters of lower-case letters, digits and '-', "
                        + "starting and ending with a letter or digit)");
    }

    @Test
    void aWeightOutsideOneToHundredIsRefused() {
        assertThatThrownBy(() -> canary("web", V2, 101))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid weight: '101' (expected a whole number of percent from 1 to 100)");
        assertThatThrownBy(() -> canary("web", V2, 0)).hasMessageContaining("invalid weight: '0'");
    }

    @Test
    void anImageThatIsNotAReferenceIsRefused() {
        assertThatThrownBy(() -> ContainerImage.parse("image", "Web App:latest"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid image: 'Web App:latest' (expected an image reference");
        assertThatThrownBy(() -> ContainerImage.parse("image", "registry.example.com/web"))
                .hasMessageContaining("with a tag or a digest");
    }

    @Test
    void aTrafficRouterThatDoesNotExistIsRefused() {
        assertThatThrownBy(() -> TrafficRouting.parse("traffic", "linkerd"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid traffic: 'linkerd' (expected one of replicas");
    }

    @Test
    void aHotfixWithoutAReasonIsRefused() {
        assertThatThrownBy(() -> new PromoteRequest(NS, "web", "PROD", true, " ", Duration.ofMinutes(1)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid reason:");
    }

    @Test
    void aDeploymentThatDoesNotExistIsRefusedAndNothingIsCreated() {
        assertThatThrownBy(() -> k.deploy().deploy(canary("api", V2, 10)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid deployment: 'api' (expected an existing Deployment in namespace shop)");
        assertThat(k.deployment("api-canary")).isNull();
        assertThat(k.records()).isEmpty();
    }

    @Test
    void aContainerThatDoesNotExistIsRefusedAndNothingChanges() {
        k.cluster.createApp("web", V1, 4);
        CanaryRequest wrong = new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), "sidecar", 10, TrafficRouting.replicas,
                null, null, Duration.ofMinutes(1), false, null);

        assertThatThrownBy(() -> k.deploy().deploy(wrong))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid container: 'sidecar' (expected one of app (the containers of deployment web))");
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.state("web")).isEqualTo(CanaryState.NONE);
    }

    @Test
    void aPodWithSeveralContainersNeedsTheContainerNamed() {
        k.cluster.createApp("web", V1, 4, new ContainerBuilder().withName("proxy").withImage("envoy:1.30").build());

        assertThatThrownBy(() -> k.deploy().deploy(canary("web", V2, 10)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid container: nothing (expected one of app, proxy (deployment web has 2 containers))");
    }

    @Test
    void theContainerNamedIsTheOneTheCanaryChanges() {
        k.cluster.createApp("web", V1, 4, new ContainerBuilder().withName("proxy").withImage("envoy:1.30").build());

        k.deploy().deploy(new CanaryRequest(NS, "web", ContainerImage.parse("image", V2), "app", 25, TrafficRouting.replicas,
                null, null, Duration.ofSeconds(20), false, null));

        var containers = k.deployment("web-canary").getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).extracting(c -> c.getName() + "=" + c.getImage()).containsExactly("app=" + V2, "proxy=envoy:1.30");
    }

    @Test
    void promotingADeploymentWithoutACanaryIsRefused() {
        k.cluster.createApp("web", V1, 4);

        assertThatThrownBy(() -> k.promote().promote(KubeFixture.promoteIn("web", "INT")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid deployment: 'web' (expected a Deployment with a canary to promote (shop/web has none: run deploy-canary first))");
        assertThat(k.records()).isEmpty();
    }

    @Test
    void rollingBackToAReleaseNeverPromotedIsRefused() {
        k.cluster.createApp("web", V1, 4);
        k.deploy().deploy(canary("web", V2, 25));
        k.promote().promote(KubeFixture.promoteIn("web", "INT"));

        assertThatThrownBy(() -> k.rollback().rollback(new RollbackRequest(NS, "web", "9.9.9", null, Duration.ofMinutes(1))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid to-release: '9.9.9' (expected a release promoted earlier for service web in INT: one of 222222222222)");
        assertThat(k.imageOf("web")).isEqualTo(V2);
    }

    @Test
    void rollingBackToAnEarlierReleaseRestoresItsImage() {
        k.cluster.createApp("web", V1, 2);
        k.deploy().deploy(canary("web", V2, 50));
        k.promote().promote(KubeFixture.promoteIn("web", "INT"));
        k.deploy().deploy(canary("web", KubeFixture.V3, 50));
        k.promote().promote(KubeFixture.promoteIn("web", "INT"));

        RollbackResult result = k.rollback().rollback(new RollbackRequest(NS, "web", "222222222222", "back two", Duration.ofSeconds(20)));

        assertThat(result.restoredImage()).isEqualTo(V2);
        assertThat(k.imageOf("web")).isEqualTo(V2);
    }
}
