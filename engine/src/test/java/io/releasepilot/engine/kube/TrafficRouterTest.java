package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The weighted routers: nginx canary Ingress, Gateway API HTTPRoute, Istio VirtualService. */
class TrafficRouterTest {

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    private static CanaryRequest canary(String image, int weight, TrafficRouting traffic) {
        return new CanaryRequest(NS, "web", ContainerImage.parse("image", image), null, weight, traffic, "INT", null,
                Duration.ofSeconds(20), false, null);
    }

    private void ingress() {
        k.cluster.client().resource(new IngressBuilder().withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().withHost("web.example.com").withNewHttp().addNewPath().withPath("/").withPathType("Prefix")
                .withNewBackend().withNewService().withName("web").withNewPort().withNumber(80).endPort().endService().endBackend()
                .endPath().endHttp().endRule().endSpec().build()).create();
    }

    private void generic(String yaml) {
        k.cluster.client().resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> backends(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext kind, String name,
                                               String listKey, String backendKey) {
        GenericKubernetesResource r = k.cluster.client().genericKubernetesResources(kind).inNamespace(NS).withName(name).get();
        Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
        return (List<Map<String, Object>>) ((List<Map<String, Object>>) spec.get(listKey)).get(0).get(backendKey);
    }

    @Test
    void nginxGetsACanaryIngressWithTheExactWeightAndTheStableKeepsItsReplicas() {
        k.cluster.createApp("web", V1, 4);
        ingress();

        CanaryResult result = k.deploy().deploy(canary(V2, 10, TrafficRouting.nginx));

        Ingress canary = k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-web-canary").get();
        assertThat(canary.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/canary", "true")
                .containsEntry("nginx.ingress.kubernetes.io/canary-weight", "10");
        assertThat(canary.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getName()).isEqualTo("web-canary");
        assertThat(k.cluster.client().services().inNamespace(NS).withName("web-canary").get().getSpec().getSelector())
                .doesNotContainKey("app");
        assertThat(result.effectiveWeight()).isEqualTo(10);
        assertThat(k.replicasOf("web")).isEqualTo(4);
        assertThat(k.deployment("web-canary").getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("app");
    }

    @Test
    void twoDeploymentsBehindOneIngressGetACanaryIngressEach() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.createApp("api", V1, 4);
        k.cluster.client().resource(new IngressBuilder().withNewMetadata().withName("shop").withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().withHost("shop.example.com").withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName("web").withNewPort().withNumber(80)
                .endPort().endService().endBackend().endPath()
                .addNewPath().withPath("/api").withPathType("Prefix").withNewBackend().withNewService().withName("api").withNewPort().withNumber(80)
                .endPort().endService().endBackend().endPath()
                .endHttp().endRule().endSpec().build()).create();

        k.deploy().deploy(canary(V2, 10, TrafficRouting.nginx));
        k.deploy().deploy(new CanaryRequest(NS, "api", ContainerImage.parse("image", V2), null, 30, TrafficRouting.nginx, "INT", null,
                Duration.ofSeconds(20), false, null));

        var ingresses = k.cluster.client().network().v1().ingresses().inNamespace(NS);
        assertThat(ingresses.withName("shop-web-canary").get().getMetadata().getAnnotations())
                .containsEntry("nginx.ingress.kubernetes.io/canary-weight", "10");
        assertThat(ingresses.withName("shop-api-canary").get().getMetadata().getAnnotations())
                .containsEntry("nginx.ingress.kubernetes.io/canary-weight", "30");
    }

    @Test
    void aCanaryIngressNamedByAnEarlierVersionIsReplacedOnTheNextDeploy() {
        k.cluster.createApp("web", V1, 4);
        ingress();
        k.deploy().deploy(canary(V2, 10, TrafficRouting.nginx));
        Ingress current = k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-web-canary").get();
        k.cluster.client().resource(new IngressBuilder(current).editMetadata().withName("web-canary").withResourceVersion(null)
                .withUid(null).endMetadata().build()).create();

        k.deploy().deploy(canary(V2, 40, null));

        assertThat(k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-canary").get()).isNull();
        assertThat(k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-web-canary").get().getMetadata()
                .getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/canary-weight", "40");
    }

    @Test
    void nginxPromoteRemovesTheCanaryIngressAndService() {
        k.cluster.createApp("web", V1, 4);
        ingress();
        k.deploy().deploy(canary(V2, 10, TrafficRouting.nginx));
        k.deploy().deploy(canary(V2, 60, null));

        k.promote().promote(KubeFixture.promoteIn("web", "INT"));

        assertThat(k.cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-web-canary").get()).isNull();
        assertThat(k.cluster.client().services().inNamespace(NS).withName("web-canary").get()).isNull();
        assertThat(k.imageOf("web")).isEqualTo(V2);
    }

    @Test
    void gatewaySplitsTheHttpRouteBackendsByWeightAndRollbackTakesTheCanaryOut() {
        k.cluster.createApp("web", V1, 4);
        generic("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: web, namespace: shop}
                spec:
                  parentRefs: [{name: public}]
                  rules:
                  - backendRefs: [{name: web, port: 80}]
                """);

        k.deploy().deploy(canary(V2, 30, TrafficRouting.gateway));

        assertThat(backends(GatewayRouter.HTTP_ROUTE, "web", "rules", "backendRefs"))
                .containsExactly(Map.of("name", "web", "port", 80, "weight", 70), Map.of("name", "web-canary", "port", 80, "weight", 30));

        k.rollback().rollback(NS, "web", "bad");

        assertThat(backends(GatewayRouter.HTTP_ROUTE, "web", "rules", "backendRefs")).containsExactly(Map.of("name", "web", "port", 80));
        assertThat(k.deployment("web-canary")).isNull();
    }

    @Test
    void istioSetsVirtualServiceWeightsAndPromoteSendsEverythingBackToTheStableHost() {
        k.cluster.createApp("web", V1, 2);
        generic("""
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: web, namespace: shop}
                spec:
                  hosts: [web.example.com]
                  http:
                  - route:
                    - destination: {host: web.shop.svc.cluster.local, port: {number: 80}}
                """);

        k.deploy().deploy(canary(V2, 20, TrafficRouting.istio));

        assertThat(backends(IstioRouter.VIRTUAL_SERVICE, "web", "http", "route")).containsExactly(
                Map.of("destination", Map.of("host", "web.shop.svc.cluster.local", "port", Map.of("number", 80)), "weight", 80),
                Map.of("destination", Map.of("host", "web-canary.shop.svc.cluster.local", "port", Map.of("number", 80)), "weight", 20));

        k.promote().promote(KubeFixture.promoteIn("web", "INT"));

        assertThat(backends(IstioRouter.VIRTUAL_SERVICE, "web", "http", "route")).containsExactly(
                Map.of("destination", Map.of("host", "web.shop.svc.cluster.local", "port", Map.of("number", 80))));
    }

    @Test
    void aWeightedRouterWithoutItsRouteObjectIsBadInputAndNothingChanges() {
        k.cluster.createApp("web", V1, 4);

        assertThatThrownBy(() -> k.deploy().deploy(canary(V2, 10, TrafficRouting.nginx)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid deployment: 'web' (expected a Deployment whose Service web is the backend of an Ingress "
                        + "(traffic nginx; none in namespace shop sends to it))");
        assertThat(k.deployment("web-canary")).isNull();
        assertThat(k.state("web")).isEqualTo(CanaryState.NONE);
    }

    @Test
    void aServiceWithNoSelectorIsBadInput() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.client().services().inNamespace(NS).withName("web").edit(s -> {
            s.getSpec().setSelector(null);
            return s;
        });

        assertThatThrownBy(() -> k.deploy().deploy(canary(V2, 10, TrafficRouting.istio)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("a Deployment whose Service web has a selector");
    }

    @Test
    void zeroCanaryTrafficTakesTheCanaryOutOfTheHttpRouteAtOnce() {
        k.cluster.createApp("web", V1, 4);
        generic("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: web, namespace: shop}
                spec:
                  rules:
                  - backendRefs: [{name: web, port: 80}]
                """);
        k.deploy().deploy(canary(V2, 40, TrafficRouting.gateway));

        k.rollback().zeroCanaryTraffic(NS, "web", "error rate above 5%");

        assertThat(backends(GatewayRouter.HTTP_ROUTE, "web", "rules", "backendRefs")).containsExactly(Map.of("name", "web", "port", 80));
        assertThat(k.replicasOf("web-canary")).isZero();
        assertThat(k.records()).extracting(r -> r.event().action().name()).containsExactly("CANARY_STARTED", "TRAFFIC_ZEROED");
    }
}
