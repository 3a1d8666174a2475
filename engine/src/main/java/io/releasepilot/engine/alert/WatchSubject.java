package io.releasepilot.engine.alert;

import io.releasepilot.engine.input.Names;

/**
 * What the watch guards, as the audit trail names it.
 *
 * @param service     the logical service (default: the deployment name)
 * @param environment the environment, or null when not known
 * @param namespace   the Kubernetes namespace
 * @param deployment  the Deployment whose canary is watched
 */
public record WatchSubject(String service, String environment, String namespace, String deployment) {

    public WatchSubject {
        namespace = Names.dnsLabel("namespace", namespace);
        deployment = Names.dnsSubdomain("deployment", deployment);
        service = Names.service(service == null ? deployment : service);
        environment = environment == null ? null : Names.environment(environment);
    }

    public String target() {
        return "deployment/" + deployment;
    }
}
