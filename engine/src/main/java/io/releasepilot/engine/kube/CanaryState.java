package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The canary's state as recorded in annotations on the stable Deployment, so any process can
 * resume or undo it. Every field may be null (nothing recorded yet).
 *
 * @param canaryImage     the image the canary runs
 * @param weight          the traffic weight asked for, in percent
 * @param effectiveWeight the weight the router actually gives (replicas: canary pods / all pods)
 * @param stableImage     the image of the stable release while the canary runs
 * @param stableReplicas  the stable Deployment's replica count before the canary took a share
 * @param release         the canary's release name
 * @param stableRelease   the stable release's name
 * @param previousImage   after a promote: the image before it (what a rollback restores); after a rollback: the image taken out
 * @param previousRelease that image's release name
 * @param step            where the canary stands
 * @param operation       the id of the act under way or last done; its audit record carries it
 * @param traffic         the traffic router in use
 * @param container       the container whose image the canary changes
 * @param strategy        canary or blue-green (null: canary)
 * @param scaleDownDelay  blue-green: how long the previous release stays after the switch
 */
public record CanaryState(String canaryImage, Integer weight, Integer effectiveWeight, String stableImage,
                          Integer stableReplicas, String release, String stableRelease, String previousImage,
                          String previousRelease, CanaryStep step, String operation, TrafficRouting traffic,
                          String container, String environment, String service, DeliveryStrategy strategy,
                          Duration scaleDownDelay) {

    public static final String PREFIX = "releasepilot.io/";
    static final String CANARY_IMAGE = PREFIX + "canary-image";
    static final String WEIGHT = PREFIX + "canary-weight";
    static final String EFFECTIVE_WEIGHT = PREFIX + "effective-weight";
    static final String STABLE_IMAGE = PREFIX + "stable-image";
    static final String STABLE_REPLICAS = PREFIX + "stable-replicas";
    static final String RELEASE = PREFIX + "release";
    static final String STABLE_RELEASE = PREFIX + "stable-release";
    static final String PREVIOUS_IMAGE = PREFIX + "previous-image";
    static final String PREVIOUS_RELEASE = PREFIX + "previous-release";
    static final String STEP = PREFIX + "step";
    static final String OPERATION = PREFIX + "operation";
    static final String TRAFFIC = PREFIX + "traffic";
    static final String CONTAINER = PREFIX + "container";
    static final String ENVIRONMENT = PREFIX + "environment";
    static final String SERVICE = PREFIX + "service";
    static final String STRATEGY = PREFIX + "strategy";
    static final String SCALE_DOWN_DELAY = PREFIX + "scale-down-delay";

    public static final CanaryState NONE = new CanaryState(null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null);

    /** Reads the state recorded on a stable Deployment. */
    public static CanaryState of(Deployment stable) {
        Map<String, String> a = stable.getMetadata().getAnnotations();
        if (a == null) {
            return NONE;
        }
        try {
            return new CanaryState(a.get(CANARY_IMAGE), integer(a.get(WEIGHT)), integer(a.get(EFFECTIVE_WEIGHT)),
                    a.get(STABLE_IMAGE), integer(a.get(STABLE_REPLICAS)), a.get(RELEASE), a.get(STABLE_RELEASE),
                    a.get(PREVIOUS_IMAGE), a.get(PREVIOUS_RELEASE), CanaryStep.fromAnnotation(a.get(STEP)),
                    a.get(OPERATION), a.get(TRAFFIC) == null ? null : TrafficRouting.valueOf(a.get(TRAFFIC)),
                    a.get(CONTAINER), a.get(ENVIRONMENT), a.get(SERVICE),
                    a.get(STRATEGY) == null ? null : DeliveryStrategy.parse(STRATEGY, a.get(STRATEGY)),
                    a.get(SCALE_DOWN_DELAY) == null ? null : Durations.parse(SCALE_DOWN_DELAY, a.get(SCALE_DOWN_DELAY)));
        } catch (IllegalArgumentException | IllegalStateException | InvalidInputException e) {
            throw new EnvironmentException("the canary annotations on deployment " + stable.getMetadata().getNamespace() + "/"
                    + stable.getMetadata().getName() + " cannot be read (" + e.getMessage()
                    + "); they were changed by hand: fix or remove the releasepilot.io/* annotations", e);
        }
    }

    private static Integer integer(String text) {
        return text == null ? null : Integer.valueOf(text);
    }

    /** Whether a canary may exist beside the stable Deployment. */
    public boolean canaryActive() {
        return step != null && step.canaryPresent();
    }

    /** Writes this state into a Deployment's annotations, removing the keys it leaves empty. */
    void writeTo(Map<String, String> annotations) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(CANARY_IMAGE, canaryImage);
        values.put(WEIGHT, weight == null ? null : weight.toString());
        values.put(EFFECTIVE_WEIGHT, effectiveWeight == null ? null : effectiveWeight.toString());
        values.put(STABLE_IMAGE, stableImage);
        values.put(STABLE_REPLICAS, stableReplicas == null ? null : stableReplicas.toString());
        values.put(RELEASE, release);
        values.put(STABLE_RELEASE, stableRelease);
        values.put(PREVIOUS_IMAGE, previousImage);
        values.put(PREVIOUS_RELEASE, previousRelease);
        values.put(STEP, step == null ? null : step.annotationValue());
        values.put(OPERATION, operation);
        values.put(TRAFFIC, traffic == null ? null : traffic.name());
        values.put(CONTAINER, container);
        values.put(ENVIRONMENT, environment);
        values.put(SERVICE, service);
        values.put(STRATEGY, strategy == null ? null : strategy.text());
        values.put(SCALE_DOWN_DELAY, scaleDownDelay == null ? null : Durations.format(scaleDownDelay));
        values.forEach((k, v) -> {
            if (v == null) {
                annotations.remove(k);
            } else {
                annotations.put(k, v);
            }
        });
    }

    CanaryState withStep(CanaryStep value, String operationId) {
        return new CanaryState(canaryImage, weight, effectiveWeight, stableImage, stableReplicas, release, stableRelease,
                previousImage, previousRelease, value, operationId, traffic, container, environment, service, strategy, scaleDownDelay);
    }

    CanaryState withEffectiveWeight(int value) {
        return new CanaryState(canaryImage, weight, value, stableImage, stableReplicas, release, stableRelease,
                previousImage, previousRelease, step, operation, traffic, container, environment, service, strategy, scaleDownDelay);
    }

    /** The state once the canary is gone and {@code image} is the stable release. */
    CanaryState settled(CanaryStep finalStep, String image, String imageRelease, String previous, String previousRel) {
        return new CanaryState(null, null, null, image, null, null, imageRelease, previous, previousRel, finalStep,
                operation, traffic, container, environment, service, null, null);
    }

    public boolean blueGreen() {
        return strategy == DeliveryStrategy.BLUE_GREEN;
    }
}
