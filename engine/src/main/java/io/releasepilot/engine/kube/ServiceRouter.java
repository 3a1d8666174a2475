package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the weighted routers (nginx, gateway, istio) share: the canary gets its own Service
 * {@code <deployment>-canary}, and its pods lose the labels the stable Service selects, so the
 * stable Service never reaches them; the route object then splits requests between the two.
 */
abstract class ServiceRouter implements TrafficRouter {

    final DeploymentTarget target;

    ServiceRouter(DeploymentTarget target) {
        this.target = target;
    }

    /** The router's name, for messages. */
    abstract String routing();

    /** Checks the route object that sends to {@code stableService} is there. */
    abstract void validateRoute(Service stableService);

    /** Sets the weights on the route object(s). */
    abstract void setWeight(Service stableService, int weight);

    /** Takes the canary out of the route object(s). */
    abstract void removeRoute();

    String canaryService() {
        return RouteObjectNames.canaryService(target.name());
    }

    @Override
    public boolean splitsByReplicas() {
        return false;
    }

    @Override
    public void validate(Deployment stable) {
        validateRoute(stableService(stable));
    }

    /** The Service in front of the stable pods: the one named like the Deployment, else one whose selector picks its pods. */
    Service stableService(Deployment stable) {
        Map<String, String> podLabels = stable.getSpec().getTemplate().getMetadata().getLabels();
        Service named = target.call("read service " + target.label(),
                () -> target.client().services().inNamespace(target.namespace()).withName(target.name()).get());
        if (named != null) {
            Map<String, String> selector = named.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                throw new InvalidInputException("deployment", target.name(), "a Deployment whose Service " + target.name()
                        + " has a selector (traffic " + routing() + " splits requests between two selectors; this Service has none)");
            }
            return named;
        }
        List<Service> services = target.call("list services in " + target.namespace(),
                () -> target.client().services().inNamespace(target.namespace()).list().getItems());
        return services.stream()
                .filter(s -> s.getSpec().getSelector() != null && !s.getSpec().getSelector().isEmpty()
                        && !s.getMetadata().getName().equals(canaryService())
                        && s.getSpec().getSelector().entrySet().stream().allMatch(e -> e.getValue().equals(podLabels.get(e.getKey()))))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException("deployment", target.name(), "a Deployment with a Service selecting its pods"
                        + " (traffic " + routing() + " needs one; none in namespace " + target.namespace() + " does)"));
    }

    @Override
    public Map<String, String> canaryPodLabels(Deployment stable) {
        Map<String, String> labels = new LinkedHashMap<>(stable.getSpec().getTemplate().getMetadata().getLabels());
        labels.keySet().removeAll(stableService(stable).getSpec().getSelector().keySet());
        labels.putAll(canarySelector(stable));
        return labels;
    }

    @Override
    public Map<String, String> canarySelector(Deployment stable) {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put(DeploymentTarget.TRACK_LABEL, "canary");
        selector.put(DeploymentTarget.CANARY_OF, target.canaryOf());
        return selector;
    }

    /** The canary-only Service exists before the canary's pods do, so smoke checks can reach them through it. */
    @Override
    public void prepare(Deployment stable, String container, String image) {
        ensureCanaryService(stableService(stable), stable);
    }

    @Override
    public void route(Deployment stable, int weight) {
        Service stableService = stableService(stable);
        ensureCanaryService(stableService, stable);
        setWeight(stableService, weight);
    }

    private void ensureCanaryService(Service stableService, Deployment stable) {
        List<ServicePort> ports = stableService.getSpec().getPorts().stream()
                .map(p -> new ServicePortBuilder().withName(p.getName()).withPort(p.getPort()).withTargetPort(p.getTargetPort())
                        .withProtocol(p.getProtocol()).build())
                .toList();
        target.createIfAbsent("service " + target.namespace() + "/" + canaryService(), new ServiceBuilder()
                .withNewMetadata().withName(canaryService()).withNamespace(target.namespace())
                    .addToLabels(DeploymentTarget.CANARY_OF, target.canaryOf()).endMetadata()
                .withNewSpec().withSelector(canarySelector(stable)).withPorts(ports).endSpec()
                .build());
    }

    @Override
    public void remove() {
        removeRoute();
        target.call("delete service " + target.namespace() + "/" + canaryService(),
                () -> target.client().services().inNamespace(target.namespace()).withName(canaryService()).delete());
    }
}
