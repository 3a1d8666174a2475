package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;

/** Istio: the canary Service is added to the VirtualService's http routes as a weighted destination. */
final class IstioRouter extends WeightedRouteRouter {

    static final ResourceDefinitionContext VIRTUAL_SERVICE = new ResourceDefinitionContext.Builder()
            .withGroup("networking.istio.io").withVersion("v1beta1").withKind("VirtualService").withPlural("virtualservices")
            .withNamespaced(true).build();

    IstioRouter(DeploymentTarget target) {
        super(target);
    }

    @Override
    String routing() {
        return "istio";
    }

    @Override
    ResourceDefinitionContext kind() {
        return VIRTUAL_SERVICE;
    }

    @Override
    List<List<Map<String, Object>>> backendLists(Map<String, Object> spec) {
        return mapList(spec.get("http")).stream().filter(http -> http.get("route") instanceof List<?>)
                .map(http -> mapList(http.get("route"))).toList();
    }

    @Override
    @SuppressWarnings("unchecked")
    String serviceOf(Map<String, Object> backend) {
        if (!(backend.get("destination") instanceof Map<?, ?> destination) || !(destination.get("host") instanceof String host)) {
            return null;
        }
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    @Override
    @SuppressWarnings("unchecked")
    Map<String, Object> canaryBackend(Map<String, Object> stable) {
        Map<String, Object> canary = copyOf(stable);
        Map<String, Object> destination = copyOf((Map<String, Object>) stable.get("destination"));
        String host = (String) destination.get("host");
        int dot = host.indexOf('.');
        destination.put("host", canaryService() + (dot < 0 ? "" : host.substring(dot)));
        destination.remove("subset");
        canary.put("destination", destination);
        return canary;
    }
}
