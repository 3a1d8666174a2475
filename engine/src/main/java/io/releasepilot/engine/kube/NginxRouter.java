package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.releasepilot.engine.InvalidInputException;
import java.util.List;

/**
 * ingress-nginx canaries: a copy of the stable Ingress, {@code <ingress>-<deployment>-canary}
 * (see {@link RouteObjectNames}), sending to the canary Service, with
 * {@code nginx.ingress.kubernetes.io/canary: "true"} and {@code nginx.ingress.kubernetes.io/canary-weight}
 * set to the weight.
 */
final class NginxRouter extends ServiceRouter {

    static final String CANARY = "nginx.ingress.kubernetes.io/canary";
    static final String CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    NginxRouter(DeploymentTarget target) {
        super(target);
    }

    @Override
    String routing() {
        return "nginx";
    }

    private List<Ingress> ingresses() {
        return target.call("list ingresses in " + target.namespace(),
                () -> target.client().network().v1().ingresses().inNamespace(target.namespace()).list().getItems());
    }

    private Ingress stableIngress(Service stableService) {
        return ingresses().stream()
                .filter(i -> !isCanary(i) && sendsTo(i, stableService.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException("deployment", target.name(), "a Deployment whose Service "
                        + stableService.getMetadata().getName() + " is the backend of an Ingress (traffic nginx; none in namespace "
                        + target.namespace() + " sends to it)"));
    }

    /** Any canary Ingress, this tool's or another's: never the one that carries stable traffic. */
    private static boolean isCanary(Ingress ingress) {
        var annotations = ingress.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(CANARY));
    }

    private static boolean sendsTo(Ingress ingress, String service) {
        return paths(ingress).stream().anyMatch(p -> p.getBackend() != null && p.getBackend().getService() != null
                && service.equals(p.getBackend().getService().getName()));
    }

    private static List<HTTPIngressPath> paths(Ingress ingress) {
        if (ingress.getSpec() == null || ingress.getSpec().getRules() == null) {
            return List.of();
        }
        return ingress.getSpec().getRules().stream().filter(r -> r.getHttp() != null)
                .map(IngressRule::getHttp).flatMap(h -> h.getPaths().stream()).toList();
    }

    @Override
    void validateRoute(Service stableService) {
        stableIngress(stableService);
    }

    @Override
    void setWeight(Service stableService, int weight) {
        Ingress stable = stableIngress(stableService);
        String name = RouteObjectNames.canaryIngress(stable.getMetadata().getName(), target.name());
        Ingress canary = new IngressBuilder()
                .withNewMetadata().withName(name).withNamespace(target.namespace())
                    .addToLabels(DeploymentTarget.CANARY_OF, target.canaryOf())
                    .addToAnnotations(CANARY, "true").addToAnnotations(CANARY_WEIGHT, Integer.toString(weight))
                .endMetadata()
                .withSpec(new IngressBuilder(stable).buildSpec())
                .build();
        for (HTTPIngressPath path : paths(canary)) {
            if (path.getBackend() != null && path.getBackend().getService() != null
                    && stableService.getMetadata().getName().equals(path.getBackend().getService().getName())) {
                path.getBackend().getService().setName(canaryService());
            }
        }
        target.createIfAbsent("ingress " + target.namespace() + "/" + name, canary);
        target.updateObject("ingress " + target.namespace() + "/" + name,
                () -> target.client().network().v1().ingresses().inNamespace(target.namespace()).withName(name).get(),
                current -> {
                    if (Integer.toString(weight).equals(current.getMetadata().getAnnotations().get(CANARY_WEIGHT))) {
                        return null;
                    }
                    Ingress next = new IngressBuilder(current).build();
                    next.getMetadata().getAnnotations().put(CANARY_WEIGHT, Integer.toString(weight));
                    return next;
                });
        removeOlderNamedCanaries(name);
    }

    /**
     * A canary started by a version that named its Ingress {@code <ingress>-canary} is replaced by
     * the one just written: deleted once the new one carries the weight (see docs/canary.md).
     */
    private void removeOlderNamedCanaries(String current) {
        List<Ingress> ours = target.call("list the canary ingresses of " + target.label(),
                () -> target.client().network().v1().ingresses().inNamespace(target.namespace())
                        .withLabel(DeploymentTarget.CANARY_OF, target.canaryOf()).list().getItems());
        for (Ingress old : ours) {
            String name = old.getMetadata().getName();
            if (!name.equals(current)) {
                target.call("delete the older canary ingress " + target.namespace() + "/" + name,
                        () -> target.client().network().v1().ingresses().inNamespace(target.namespace()).withName(name).delete());
            }
        }
    }

    @Override
    void removeRoute() {
        target.call("delete the canary ingress of " + target.label(),
                () -> target.client().network().v1().ingresses().inNamespace(target.namespace())
                        .withLabel(DeploymentTarget.CANARY_OF, target.canaryOf()).delete());
    }
}
