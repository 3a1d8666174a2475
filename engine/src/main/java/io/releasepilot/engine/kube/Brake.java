package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.DeploymentFailedException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The emergency brake, once applied: canary traffic was zeroed by {@code actor} from
 * {@code origin} at {@code at} because of {@code reason}. Recorded in the annotation
 * {@code releasepilot.io/brake} on the stable Deployment, so every process sees it: a deploy,
 * advance or promote under way checks it before each write and stops. Only a rollback or a new
 * deploy-canary (started after it, not a resumed one) takes it off.
 */
record Brake(String actor, String origin, String reason, Instant at) {

    static final String ANNOTATION = CanaryState.PREFIX + "brake";

    /** The brake on a Deployment, or null. */
    static Brake of(Deployment d) {
        Map<String, String> a = d.getMetadata().getAnnotations();
        String text = a == null ? null : a.get(ANNOTATION);
        if (text == null) {
            return null;
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        Instant at;
        try {
            at = Instant.parse(parts.getOrDefault("at", Instant.EPOCH.toString()));
        } catch (DateTimeParseException handEdited) {
            // A brake edited by hand still holds: an unreadable time does not release it.
            at = Instant.EPOCH;
        }
        return new Brake(parts.getOrDefault("by", "?"), parts.getOrDefault("origin", "?"), parts.getOrDefault("why", "?"), at);
    }

    void writeTo(Deployment d) {
        DeploymentTarget.annotations(d).put(ANNOTATION, "by=" + clean(actor) + ";origin=" + clean(origin) + ";why=" + clean(reason)
                + ";at=" + at);
    }

    static void clear(Deployment d) {
        DeploymentTarget.annotations(d).remove(ANNOTATION);
    }

    private static String clean(String text) {
        return text.replace(';', ',');
    }

    /** The failure of an act that found the brake applied. */
    DeploymentFailedException stopped(String act, String label) {
        return new DeploymentFailedException(act + " of " + label + " stopped: canary traffic was zeroed at " + at + " by " + actor
                + " from " + origin + " (" + reason + "). Run rollback to finish undoing the canary, or deploy-canary to start again");
    }
}
