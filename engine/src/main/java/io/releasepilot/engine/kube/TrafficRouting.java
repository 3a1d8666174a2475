package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How traffic reaches the canary. */
public enum TrafficRouting {
    /**
     * A {@code <deployment>-canary} Deployment whose pods carry the stable pods' labels, so the
     * Service spreads requests by pod count; the stable Deployment gives up as many replicas.
     */
    replicas,
    /** ingress-nginx canary Ingress with {@code canary-weight}. */
    nginx,
    /** Gateway API HTTPRoute backend weights. */
    gateway,
    /** Istio VirtualService route weights. */
    istio;

    public static TrafficRouting parse(String parameter, String value) {
        String form = "one of " + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
        if (value == null) {
            throw new InvalidInputException(parameter, null, form);
        }
        try {
            return valueOf(value.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(parameter, value, form);
        }
    }
}
