package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Blue/green: the preview ({@code <deployment>-canary}, full size, its own Service
 * {@code <deployment>-canary} to test it) takes no traffic until the stable Service's selector is
 * switched to the preview's pods, all at once. The selector it had is kept in the annotation
 * {@code releasepilot.io/stable-selector} on that Service, so switching back (a rollback, or the
 * end of a promote) restores it exactly.
 */
final class BlueGreenSwitch extends ServiceRouter {

    static final String STABLE_SELECTOR = CanaryState.PREFIX + "stable-selector";

    BlueGreenSwitch(DeploymentTarget target) {
        super(target);
    }

    @Override
    String routing() {
        return "blue-green";
    }

    @Override
    void validateRoute(Service stableService) {
        // The stable Service is all blue/green needs.
    }

    /** Weight 100 switches every request to the preview; anything lower switches back to the stable pods. */
    @Override
    void setWeight(Service stableService, int weight) {
        if (weight < 100) {
            switchBack();
            return;
        }
        String name = stableService.getMetadata().getName();
        target.updateObject("service " + target.namespace() + "/" + name,
                () -> target.client().services().inNamespace(target.namespace()).withName(name).get(),
                current -> {
                    Map<String, String> preview = canarySelector(null);
                    if (preview.equals(current.getSpec().getSelector())) {
                        return null;
                    }
                    Service next = new ServiceBuilder(current).editMetadata()
                            .addToAnnotations(STABLE_SELECTOR, encode(current.getSpec().getSelector())).endMetadata().build();
                    next.getSpec().setSelector(new LinkedHashMap<>(preview));
                    return next;
                });
    }

    /** Whether the stable Service sends to the preview now. */
    boolean switched(Service service) {
        return service != null && service.getMetadata().getAnnotations() != null
                && service.getMetadata().getAnnotations().containsKey(STABLE_SELECTOR);
    }

    @Override
    void removeRoute() {
        switchBack();
    }

    private void switchBack() {
        for (Service service : target.call("list services in " + target.namespace(),
                () -> target.client().services().inNamespace(target.namespace()).list().getItems())) {
            if (!switched(service) || !canarySelector(null).equals(service.getSpec().getSelector())) {
                continue;
            }
            String name = service.getMetadata().getName();
            target.updateObject("service " + target.namespace() + "/" + name,
                    () -> target.client().services().inNamespace(target.namespace()).withName(name).get(),
                    current -> {
                        if (!switched(current)) {
                            return null;
                        }
                        Service next = new ServiceBuilder(current).build();
                        next.getSpec().setSelector(decode(next.getMetadata().getAnnotations().remove(STABLE_SELECTOR)));
                        return next;
                    });
        }
    }

    static String encode(Map<String, String> selector) {
        return selector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    static Map<String, String> decode(String text) {
        Map<String, String> selector = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                selector.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return selector;
    }
}
