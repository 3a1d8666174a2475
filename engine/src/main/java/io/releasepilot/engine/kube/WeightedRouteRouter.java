package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.releasepilot.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routers that split requests by backend weights inside a route object the cluster's mesh or
 * gateway reads (Gateway API HTTPRoute, Istio VirtualService). They are custom resources, handled
 * as generic objects so no CRD classes are needed; every change is a resourceVersion-locked PUT.
 * A route rule must send to the stable Service alone (the canary is added beside it).
 */
abstract class WeightedRouteRouter extends ServiceRouter {

    WeightedRouteRouter(DeploymentTarget target) {
        super(target);
    }

    abstract ResourceDefinitionContext kind();

    /** The backend lists of a route object's spec, each one list a rule splits between. */
    abstract List<List<Map<String, Object>>> backendLists(Map<String, Object> spec);

    /** The Service a backend sends to, as its short name. */
    abstract String serviceOf(Map<String, Object> backend);

    /** A backend like {@code stable} that sends to the canary Service. */
    abstract Map<String, Object> canaryBackend(Map<String, Object> stable);

    private String kindName() {
        return kind().getKind();
    }

    private List<GenericKubernetesResource> routes() {
        return target.call("list " + kind().getPlural() + " in " + target.namespace(),
                () -> target.client().genericKubernetesResources(kind()).inNamespace(target.namespace()).list().getItems());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private List<GenericKubernetesResource> routesTo(String service) {
        return routes().stream().filter(r -> backendLists(spec(r)).stream()
                .anyMatch(list -> list.stream().anyMatch(b -> service.equals(serviceOf(b))))).toList();
    }

    @Override
    void validateRoute(Service stableService) {
        String service = stableService.getMetadata().getName();
        List<GenericKubernetesResource> routes = routesTo(service);
        if (routes.isEmpty()) {
            throw new InvalidInputException("deployment", target.name(), "a Deployment whose Service " + service + " is the backend of a "
                    + kindName() + " (traffic " + routing() + "; none in namespace " + target.namespace() + " sends to it)");
        }
        for (GenericKubernetesResource r : routes) {
            for (List<Map<String, Object>> list : backendLists(spec(r))) {
                boolean mixed = list.stream().anyMatch(b -> service.equals(serviceOf(b)))
                        && list.stream().anyMatch(b -> !service.equals(serviceOf(b)) && !canaryService().equals(serviceOf(b)));
                if (mixed) {
                    throw new InvalidInputException("deployment", target.name(), "a Deployment whose " + kindName() + " rules send to Service "
                            + service + " alone (" + kindName() + " " + r.getMetadata().getName() + " splits a rule with other backends)");
                }
            }
        }
    }

    @Override
    void setWeight(Service stableService, int weight) {
        String service = stableService.getMetadata().getName();
        for (GenericKubernetesResource route : routesTo(service)) {
            String name = route.getMetadata().getName();
            target.updateObject(kindName() + " " + target.namespace() + "/" + name, () -> read(name), current -> {
                GenericKubernetesResource next = copy(current);
                boolean changed = false;
                for (List<Map<String, Object>> list : backendLists(spec(next))) {
                    Map<String, Object> stable = list.stream().filter(b -> service.equals(serviceOf(b))).findFirst().orElse(null);
                    if (stable == null) {
                        continue;
                    }
                    Map<String, Object> canary = list.stream().filter(b -> canaryService().equals(serviceOf(b))).findFirst().orElse(null);
                    if (canary == null) {
                        canary = canaryBackend(stable);
                        list.add(canary);
                        changed = true;
                    }
                    changed |= setWeight(stable, 100 - weight) | setWeight(canary, weight);
                }
                return changed ? next : null;
            });
        }
    }

    private static boolean setWeight(Map<String, Object> backend, int weight) {
        Object old = backend.put("weight", weight);
        return !(old instanceof Number n) || n.intValue() != weight;
    }

    @Override
    void removeRoute() {
        for (GenericKubernetesResource route : routesTo(canaryService())) {
            String name = route.getMetadata().getName();
            target.updateObject(kindName() + " " + target.namespace() + "/" + name, () -> read(name), current -> {
                GenericKubernetesResource next = copy(current);
                for (List<Map<String, Object>> list : backendLists(spec(next))) {
                    if (list.removeIf(b -> canaryService().equals(serviceOf(b))) && list.size() == 1) {
                        list.get(0).remove("weight");
                    }
                }
                return next;
            });
        }
    }

    private GenericKubernetesResource read(String name) {
        return target.client().genericKubernetesResources(kind()).inNamespace(target.namespace()).withName(name).get();
    }

    /** A deep, mutable copy: objects read from the server are never changed in place. */
    private static GenericKubernetesResource copy(GenericKubernetesResource r) {
        return Serialization.unmarshal(Serialization.asJson(r), GenericKubernetesResource.class);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> mapList(Object value) {
        if (!(value instanceof List<?> list)) {
            return new ArrayList<>();
        }
        List<Map<String, Object>> out = (List<Map<String, Object>>) list;
        return out;
    }

    static Map<String, Object> copyOf(Map<String, Object> map) {
        return new LinkedHashMap<>(map);
    }
}
