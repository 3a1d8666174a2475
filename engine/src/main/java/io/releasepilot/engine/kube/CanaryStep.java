package io.releasepilot.engine.kube;

import java.util.Locale;

/**
 * Where a canary stands, as recorded in the {@code releasepilot.io/step} annotation of the stable
 * Deployment. A fresh process reads it to resume or undo whatever was under way.
 */
public enum CanaryStep {
    /** The canary's image and weight are decided; its pods may not be ready yet. */
    CANARY_PENDING(true),
    /** The canary is ready and takes its share of traffic. */
    CANARY_RUNNING(true),
    /** The stable Deployment is being moved to the canary's image. */
    PROMOTING(true),
    /** The canary became the stable release and was removed. */
    PROMOTED(false),
    /** A rollback is under way: canary traffic is 0, the stable release is being restored. */
    ROLLING_BACK(true),
    /** The rollback finished; no canary runs. */
    ROLLED_BACK(false);

    private final boolean canaryPresent;

    CanaryStep(boolean canaryPresent) {
        this.canaryPresent = canaryPresent;
    }

    /** Whether a canary Deployment may exist in this step (so a rollback has something to undo). */
    public boolean canaryPresent() {
        return canaryPresent;
    }

    public String annotationValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static CanaryStep fromAnnotation(String value) {
        if (value == null) {
            return null;
        }
        for (CanaryStep s : values()) {
            if (s.annotationValue().equals(value)) {
                return s;
            }
        }
        throw new IllegalStateException("unknown releasepilot.io/step value '" + value + "'");
    }
}
