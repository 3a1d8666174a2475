package io.releasepilot.engine.kube;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteObjectNamesTest {

    @Test
    void theCanaryIngressNamesTheIngressAndTheDeployment() {
        assertThat(RouteObjectNames.canaryIngress("shop", "web")).isEqualTo("shop-web-canary");
    }

    @Test
    void aNameThatWouldPassTheSubdomainLimitIsCutAndKeptUniqueByAHash() {
        String ingress = "i".repeat(200);

        String web = RouteObjectNames.canaryIngress(ingress, "w".repeat(100));
        String api = RouteObjectNames.canaryIngress(ingress, "w".repeat(99) + "x");

        assertThat(web).hasSize(RouteObjectNames.MAX_NAME).endsWith("-canary").matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
        assertThat(api).hasSize(RouteObjectNames.MAX_NAME).isNotEqualTo(web);
    }

    @Test
    void theCanaryServiceAndTheCanaryOfLabelStayWithin63Characters() {
        String deployment = "a-deployment-whose-name-is-much-longer-than-a-service-name-may-be";

        assertThat(RouteObjectNames.canaryService(deployment)).hasSizeLessThanOrEqualTo(63).endsWith("-canary");
        assertThat(RouteObjectNames.canaryOfValue(deployment)).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        assertThat(RouteObjectNames.canaryService("web")).isEqualTo("web-canary");
        assertThat(RouteObjectNames.canaryOfValue("web")).isEqualTo("web");
    }
}
