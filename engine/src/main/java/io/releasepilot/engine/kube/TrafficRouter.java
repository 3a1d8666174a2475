package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How requests reach the canary. The replicas router shares the stable Service by pod count; the
 * others give the canary its own Service and set an exact weight on an Ingress, HTTPRoute or
 * VirtualService. Every method is idempotent, so a resumed run may call it again.
 */
interface TrafficRouter {

    static TrafficRouter of(TrafficRouting routing, DeploymentTarget target) {
        return switch (routing) {
            case replicas -> new ReplicasRouter(target);
            case nginx -> new NginxRouter(target);
            case gateway -> new GatewayRouter(target);
            case istio -> new IstioRouter(target);
        };
    }

    /** The router a deploy uses: as {@link #of}, except that smoke checks hold a new replicas canary out of the stable Service. */
    static TrafficRouter forDeploy(TrafficRouting routing, DeploymentTarget target, Deployment stable, boolean smokeChecks) {
        return routing == TrafficRouting.replicas ? SmokeFirstReplicasRouter.choose(target, stable, smokeChecks) : of(routing, target);
    }

    /** The router a recorded canary was made with. */
    static TrafficRouter forState(CanaryState state, DeploymentTarget target) {
        if (state.blueGreen()) {
            return new BlueGreenSwitch(target);
        }
        return of(state.traffic() == null ? TrafficRouting.replicas : state.traffic(), target);
    }

    /** Whether the canary takes its share of pods from the stable Deployment (else it gets an exact weight). */
    boolean splitsByReplicas();

    /** Checks, before anything changes, that the objects this router needs are there (bad input otherwise). */
    void validate(Deployment stable);

    /** The labels of the canary's pods. */
    Map<String, String> canaryPodLabels(Deployment stable);

    /** The canary Deployment's selector. */
    Map<String, String> canarySelector(Deployment stable);

    /** Before the canary Deployment is written: what the smoke checks need (a canary-only Service). */
    default void prepare(Deployment stable, String container, String image) {
    }

    /** The labels of the canary's pods once they take traffic (after {@link #route}). */
    default Map<String, String> servingPodLabels(Deployment stable) {
        return canaryPodLabels(stable);
    }

    /** Sends {@code weight} percent of requests to the canary (0 stops its traffic at once). */
    void route(Deployment stable, int weight);

    /** Removes what the router made for the canary; the stable side takes all requests. */
    void remove();

    /** The replicas router: canary pods carry the stable pods' labels, so the stable Service spreads requests by pod count. */
    final class ReplicasRouter implements TrafficRouter {

        private final DeploymentTarget target;

        ReplicasRouter(DeploymentTarget target) {
            this.target = target;
        }

        @Override
        public boolean splitsByReplicas() {
            return true;
        }

        @Override
        public void validate(Deployment stable) {
            // Nothing beyond the Deployment: a worker with no Service shares work by pod count too.
        }

        @Override
        public Map<String, String> canaryPodLabels(Deployment stable) {
            Map<String, String> labels = new LinkedHashMap<>(stable.getSpec().getTemplate().getMetadata().getLabels());
            labels.put(DeploymentTarget.TRACK_LABEL, "canary");
            return labels;
        }

        @Override
        public Map<String, String> canarySelector(Deployment stable) {
            Map<String, String> selector = new LinkedHashMap<>(stable.getSpec().getSelector().getMatchLabels() == null
                    ? Map.of() : stable.getSpec().getSelector().getMatchLabels());
            selector.put(DeploymentTarget.TRACK_LABEL, "canary");
            return selector;
        }

        @Override
        public void route(Deployment stable, int weight) {
            // The share follows the replica counts, which the act sets itself.
        }

        @Override
        public void remove() {
            // The canary-only Service a smoke-checked canary had (see SmokeFirstReplicasRouter), if any.
            String service = RouteObjectNames.canaryService(target.name());
            target.call("delete service " + target.namespace() + "/" + service,
                    () -> target.client().services().inNamespace(target.namespace()).withName(service).delete());
        }
    }
}
