package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A deployCanary, validated once here and trusted inside.
 *
 * @param container   the container whose image changes; null: the only one
 * @param weight      the share of traffic for the canary, 1-100 percent
 * @param traffic     the router; null: the running canary's, else replicas
 * @param environment the environment (lifecycle gate, audit); null: recorded on the Deployment, else the first
 * @param service     the logical service for the audit trail; null: the deployment's name
 * @param timeout     the progress deadline: how long the canary may take to become ready
 * @param hotfix      pass the lifecycle gate with {@code reason} (audited as HOTFIX)
 * @param smokeChecks HTTP checks the ready canary must pass before it gets traffic
 * @param strategy    canary, or blue-green (a full-size preview; {@code weight} is then ignored)
 * @param scaleDownDelay blue-green: how long the previous release stays after promote switches traffic
 */
public record CanaryRequest(String namespace, String deployment, ContainerImage image, String container, int weight,
                            TrafficRouting traffic, String environment, String service, Duration timeout, boolean hotfix,
                            String reason, List<SmokeCheck> smokeChecks, DeliveryStrategy strategy, Duration scaleDownDelay) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_WEIGHT = 10;
    public static final Duration DEFAULT_SCALE_DOWN_DELAY = Duration.ofSeconds(30);

    public CanaryRequest {
        namespace = Names.dnsLabel("namespace", namespace);
        deployment = Names.dnsSubdomain("deployment", deployment);
        if (deployment.length() > 253 - "-canary".length()) {
            throw new InvalidInputException("deployment", deployment, "a DNS-1123 subdomain of at most 246 characters (room for -canary)");
        }
        Objects.requireNonNull(image, "image");
        if (container != null) {
            container = Names.dnsLabel("container", container);
        }
        if (weight < 1 || weight > 100) {
            throw new InvalidInputException("weight", Integer.toString(weight), "a whole number of percent from 1 to 100");
        }
        if (environment != null) {
            environment = Names.environment(environment);
        }
        if (service != null) {
            service = Names.service(service);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new InvalidInputException("timeout", timeout.toString(), "a duration greater than zero, such as 30s, 5m or 1h30m");
        }
        if (hotfix) {
            reason = Names.nonBlank("reason", reason, "a sentence saying why the hotfix skips the lifecycle gate");
        }
        smokeChecks = smokeChecks == null ? List.of() : List.copyOf(smokeChecks);
        strategy = strategy == null ? DeliveryStrategy.CANARY : strategy;
        if (strategy == DeliveryStrategy.BLUE_GREEN) {
            if (traffic != null && traffic != TrafficRouting.replicas) {
                throw new InvalidInputException("traffic", traffic.name(), "no traffic router with strategy blue-green (the Service switches at once)");
            }
            scaleDownDelay = scaleDownDelay == null ? DEFAULT_SCALE_DOWN_DELAY : scaleDownDelay;
            if (scaleDownDelay.isNegative()) {
                throw new InvalidInputException("scale-down-delay", scaleDownDelay.toString(), "a duration such as 30s or 5m");
            }
        } else if (scaleDownDelay != null) {
            throw new InvalidInputException("scale-down-delay", io.releasepilot.engine.input.Durations.format(scaleDownDelay),
                    "a scale-down delay only with strategy blue-green");
        }
    }

    /** A request without smoke checks. */
    public CanaryRequest(String namespace, String deployment, ContainerImage image, String container, int weight, TrafficRouting traffic,
                         String environment, String service, Duration timeout, boolean hotfix, String reason) {
        this(namespace, deployment, image, container, weight, traffic, environment, service, timeout, hotfix, reason, List.of(),
                DeliveryStrategy.CANARY, null);
    }
}
