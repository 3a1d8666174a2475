package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.Optional;

/**
 * A HorizontalPodAutoscaler that scales the stable Deployment. When there is one, the HPA owns the
 * stable replica count, as Argo Rollouts leaves it: the canary is sized from the HPA's current
 * replicas, and no act writes the stable Deployment's {@code spec.replicas} (promote and rollback
 * change only the pod template), so Release Pilot never fights the autoscaler.
 *
 * @param name            the HPA's name
 * @param currentReplicas the replicas the HPA runs now ({@code status.currentReplicas}, else the Deployment's)
 */
record StableAutoscaler(String name, int currentReplicas) {

    /** The HPA whose {@code scaleTargetRef} is this Deployment, if any. */
    static Optional<StableAutoscaler> of(DeploymentTarget target, Deployment stable) {
        var hpas = target.call("list horizontal pod autoscalers in " + target.namespace(),
                () -> target.client().autoscaling().v2().horizontalPodAutoscalers().inNamespace(target.namespace()).list().getItems());
        return hpas.stream().filter(h -> scales(h, target.name())).findFirst().map(h -> {
            Integer current = h.getStatus() == null ? null : h.getStatus().getCurrentReplicas();
            return new StableAutoscaler(h.getMetadata().getName(), current != null && current > 0 ? current : DeploymentTarget.replicasOf(stable));
        });
    }

    private static boolean scales(HorizontalPodAutoscaler hpa, String deployment) {
        var ref = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
        return ref != null && "Deployment".equals(ref.getKind()) && deployment.equals(ref.getName())
                && (ref.getApiVersion() == null || ref.getApiVersion().startsWith("apps/"));
    }
}
