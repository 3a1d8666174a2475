package io.jenkins.plugins.releasepilot;

import hudson.model.InvisibleAction;

/**
 * How a build reached its cluster when its Kubernetes steps named credentials (a kubeconfig
 * credential, or a server URL with a token credential), so that the Promote and Roll back buttons
 * of its Release page reach the same cluster with the same credentials. Only the ids, the URL and
 * the public CA certificate are kept in build.xml, never a secret. A build that used the agent's
 * own kubeconfig records nothing: that file is on the agent, not on the controller.
 */
public final class ClusterAccessAction extends InvisibleAction {

    private final KubernetesAccess access;

    ClusterAccessAction(KubernetesAccess access) {
        this.access = access;
    }

    KubernetesAccess access() {
        return access;
    }
}
