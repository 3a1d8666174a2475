package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;

/** Gateway API: the canary Service is added to the HTTPRoute rules' {@code backendRefs} with the weight. */
final class GatewayRouter extends WeightedRouteRouter {

    static final ResourceDefinitionContext HTTP_ROUTE = new ResourceDefinitionContext.Builder()
            .withGroup("gateway.networking.k8s.io").withVersion("v1").withKind("HTTPRoute").withPlural("httproutes").withNamespaced(true)
            .build();

    GatewayRouter(DeploymentTarget target) {
        super(target);
    }

    @Override
    String routing() {
        return "gateway";
    }

    @Override
    ResourceDefinitionContext kind() {
        return HTTP_ROUTE;
    }

    @Override
    List<List<Map<String, Object>>> backendLists(Map<String, Object> spec) {
        return mapList(spec.get("rules")).stream().filter(rule -> rule.get("backendRefs") instanceof List<?>)
                .map(rule -> mapList(rule.get("backendRefs"))).toList();
    }

    @Override
    String serviceOf(Map<String, Object> backend) {
        Object kind = backend.get("kind");
        return kind == null || "Service".equals(kind) ? (String) backend.get("name") : null;
    }

    @Override
    Map<String, Object> canaryBackend(Map<String, Object> stable) {
        Map<String, Object> canary = copyOf(stable);
        canary.put("name", canaryService());
        return canary;
    }
}
