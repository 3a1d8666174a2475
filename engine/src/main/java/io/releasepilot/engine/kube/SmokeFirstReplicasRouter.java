package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.releasepilot.engine.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The replicas router when smoke checks must pass before the canary takes traffic. The canary's
 * pods start without the labels the stable Service selects, behind a canary-only Service
 * {@code <deployment>-canary} the checks go to; only after they pass does the canary's pod template
 * get those labels, so its pods join the stable Service and share requests by pod count.
 */
final class SmokeFirstReplicasRouter extends ServiceRouter {

    SmokeFirstReplicasRouter(DeploymentTarget target) {
        super(target);
    }

    /**
     * The replicas router a deploy uses: this one for a new canary with smoke checks in front of a
     * Service, the one a running canary was made with (its selector is fixed), else the plain one.
     */
    static TrafficRouter choose(DeploymentTarget target, Deployment stable, boolean smokeChecks) {
        Deployment canary = target.readCanary();
        if (canary != null) {
            Map<String, String> selector = canary.getSpec().getSelector().getMatchLabels();
            return selector != null && selector.containsKey(DeploymentTarget.CANARY_OF)
                    ? new SmokeFirstReplicasRouter(target) : new TrafficRouter.ReplicasRouter(target);
        }
        if (!smokeChecks) {
            return new TrafficRouter.ReplicasRouter(target);
        }
        SmokeFirstReplicasRouter smokeFirst = new SmokeFirstReplicasRouter(target);
        try {
            smokeFirst.stableService(stable);
            return smokeFirst;
        } catch (InvalidInputException noService) {
            // A worker no Service sends requests to: there is no traffic to hold back.
            return new TrafficRouter.ReplicasRouter(target);
        }
    }

    @Override
    String routing() {
        return "replicas";
    }

    @Override
    public boolean splitsByReplicas() {
        return true;
    }

    @Override
    void validateRoute(Service stableService) {
        // The stable Service is the route: nothing else must exist.
    }

    @Override
    public void prepare(Deployment stable, String container, String image) {
        super.prepare(stable, container, image);
        // A running canary replaced by another image leaves the stable Service first: the new image is checked before it serves.
        Map<String, String> joined = stableService(stable).getSpec().getSelector();
        target.updateObject("deployment " + target.namespace() + "/" + target.canaryName(), target::readCanary, canary -> {
            Map<String, String> labels = canary.getSpec().getTemplate().getMetadata().getLabels();
            if (image.equals(DeploymentTarget.imageOf(canary, container)) || !labels.keySet().containsAll(joined.keySet())) {
                return null;
            }
            Map<String, String> left = new LinkedHashMap<>(labels);
            left.keySet().removeAll(joined.keySet());
            return new DeploymentBuilder(canary).editSpec().editTemplate().editMetadata().withLabels(left).endMetadata().endTemplate()
                    .endSpec().build();
        });
    }

    /** The checks passed: the canary's pods get the stable Service's labels and join it. */
    @Override
    void setWeight(Service stableService, int weight) {
        Map<String, String> joined = stableService.getSpec().getSelector();
        target.updateObject("deployment " + target.namespace() + "/" + target.canaryName(), target::readCanary, canary -> {
            Map<String, String> labels = canary.getSpec().getTemplate().getMetadata().getLabels();
            if (labels.entrySet().containsAll(joined.entrySet())) {
                return null;
            }
            Map<String, String> withService = new LinkedHashMap<>(labels);
            withService.putAll(joined);
            return new DeploymentBuilder(canary).editSpec().editTemplate().editMetadata().withLabels(withService).endMetadata().endTemplate()
                    .endSpec().build();
        });
    }

    @Override
    public Map<String, String> servingPodLabels(Deployment stable) {
        Map<String, String> labels = new LinkedHashMap<>(canaryPodLabels(stable));
        labels.putAll(stableService(stable).getSpec().getSelector());
        return labels;
    }

    @Override
    void removeRoute() {
        // Scaling the canary to 0 takes it out of the stable Service; ServiceRouter deletes the canary-only Service.
    }
}
