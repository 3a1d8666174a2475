package io.releasepilot.engine.kube;

/**
 * Where a deployCanary left the canary.
 *
 * @param weight          the weight asked for
 * @param effectiveWeight the weight the router gives (replicas: canary pods / all pods)
 * @param canaryReplicas  pods of the canary
 * @param stableReplicas  pods left to the stable Deployment
 * @param changed         false when the canary already stood there (a re-run)
 * @param auditSeq        the CANARY_STARTED / CANARY_ADVANCED record
 */
public record CanaryResult(String namespace, String deployment, String image, String release, String stableImage, int weight,
                           int effectiveWeight, int canaryReplicas, int stableReplicas, boolean changed, long auditSeq) {
}
