package io.releasepilot.engine.kube;

import io.releasepilot.engine.input.Names;
import java.time.Duration;
import java.util.Objects;

/**
 * A rollback, validated.
 *
 * @param toRelease a release promoted earlier to restore instead of the one before; may be null
 * @param reason    why, for the audit record; may be null
 * @param timeout   how long to wait for the restored stable Deployment
 * @param service   the logical service for the audit trail; null: the one deploy-canary recorded, else the deployment name
 */
public record RollbackRequest(String namespace, String deployment, String toRelease, String reason, Duration timeout, String service) {

    /** A rollback recorded under the service deploy-canary recorded. */
    public RollbackRequest(String namespace, String deployment, String toRelease, String reason, Duration timeout) {
        this(namespace, deployment, toRelease, reason, timeout, null);
    }

    public RollbackRequest {
        namespace = Names.dnsLabel("namespace", namespace);
        deployment = Names.dnsSubdomain("deployment", deployment);
        if (toRelease != null) {
            toRelease = Names.nonBlank("to-release", toRelease, "a release name, e.g. 1.4.2 or the first 12 digits of a digest");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (service != null) {
            service = Names.service(service);
        }
    }
}
