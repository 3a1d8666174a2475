package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;

/** The logical service an act on a Deployment is recorded under. */
final class ServiceName {

    private ServiceName() {
    }

    /**
     * The service asked for, else the one deploy-canary recorded on the Deployment, else the
     * Deployment's name. Asking for another service than the canary was deployed as would file its
     * promotion or rollback under a service that never had that canary: refused.
     */
    static String of(String requested, CanaryState state, String deployment) {
        String recorded = state.service();
        if (requested != null && recorded != null && !requested.equals(recorded)) {
            throw new InvalidInputException("service", requested, "the service the canary of deployment " + deployment
                    + " was deployed as: " + recorded);
        }
        return requested != null ? requested : recorded != null ? recorded : deployment;
    }
}
