package io.releasepilot.sandbox.cluster;

import java.time.Instant;
import java.util.Map;

/**
 * One tick of the SIMULATED controller, as a capacity timeline records it: how many ready pods a
 * Service sent requests to, and every Deployment's desired replica count at that moment.
 *
 * @param at       when the tick ran
 * @param serving  ready, not terminating pods the Service's selector matched
 * @param selector the Service's selector then (blue/green switches it)
 * @param desired  spec.replicas of each Deployment in the namespace, by name
 */
public record ServingSample(Instant at, int serving, Map<String, String> selector, Map<String, Integer> desired) {
}
