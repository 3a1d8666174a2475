package io.releasepilot.engine.kube;

/**
 * How many pods the canary gets and the weight that gives.
 *
 * @param canaryReplicas pods of the canary
 * @param effective      the weight the cluster runs (replica counts round it)
 * @param stableLeft     pods left to the stable Deployment
 */
record CanarySizing(int canaryReplicas, int effective, int stableLeft) {

    /**
     * @param total            the stable Deployment's pods before the canary (the HPA's current replicas when it has one)
     * @param splitsByReplicas the router splits traffic by pod counts (replicas) rather than by a route weight
     * @param autoscaled       an HPA owns the stable replicas: they are never reduced, the canary comes beside them
     */
    static CanarySizing of(int total, int weight, boolean blueGreen, boolean splitsByReplicas, boolean autoscaled) {
        if (blueGreen) {
            // A full-size preview with no traffic, whatever the weight says.
            return new CanarySizing(total, 0, total);
        }
        if (splitsByReplicas && !autoscaled) {
            int canary = Math.max(1, Math.min(total, (int) Math.round(total * weight / 100.0)));
            return new CanarySizing(canary, (int) Math.round(100.0 * canary / total), total - canary);
        }
        if (splitsByReplicas) {
            // The stable side keeps what the HPA gives it; the canary's share is its pods among all.
            int canary = Math.max(1, (int) Math.round(total * weight / 100.0));
            return new CanarySizing(canary, (int) Math.round(100.0 * canary / (total + canary)), total);
        }
        // The route gives the exact weight; the canary only needs the capacity for it.
        return new CanarySizing(Math.max(1, (int) Math.ceil(total * weight / 100.0)), weight, total);
    }
}
