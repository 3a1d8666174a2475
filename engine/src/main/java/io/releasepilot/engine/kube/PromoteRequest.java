package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.time.Duration;
import java.util.Objects;

/**
 * A promote, validated.
 *
 * @param environment the environment the release enters; null: the canary's
 * @param hotfix      pass the lifecycle gate with {@code reason} (audited as HOTFIX)
 * @param timeout     how long the stable Deployment may take to become fully available
 * @param service     the logical service for the gate and the audit trail; null: the one deploy-canary recorded, else the deployment name
 */
public record PromoteRequest(String namespace, String deployment, String environment, boolean hotfix, String reason, Duration timeout,
                             String service) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** A promote recorded under the service deploy-canary recorded. */
    public PromoteRequest(String namespace, String deployment, String environment, boolean hotfix, String reason, Duration timeout) {
        this(namespace, deployment, environment, hotfix, reason, timeout, null);
    }

    public PromoteRequest {
        namespace = Names.dnsLabel("namespace", namespace);
        deployment = Names.dnsSubdomain("deployment", deployment);
        if (environment != null) {
            environment = Names.environment(environment);
        }
        if (hotfix) {
            reason = Names.nonBlank("reason", reason, "a sentence saying why the hotfix skips the lifecycle gate");
        } else if (reason != null) {
            throw new InvalidInputException("reason", reason, "a reason only together with hotfix");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (service != null) {
            service = Names.service(service);
        }
    }
}
