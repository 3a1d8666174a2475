package io.releasepilot.engine.alert;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One alert a source reports as firing now.
 *
 * @param name   the alert name, the alarm name, or the PromQL condition
 * @param labels the alert's labels (for CloudWatch: namespace, metric and dimensions)
 * @param value  the value that made it fire, as the source reports it; null when it reports none
 * @param since  when it started firing; null when the source does not say
 */
public record FiringAlert(String name, SortedMap<String, String> labels, String value, Instant since) {

    public FiringAlert {
        Objects.requireNonNull(name, "name");
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels == null ? Map.of() : labels));
    }

    /** The alert as a person reads it: {@code HighErrorRate{service="web", track="canary"}}. */
    public String display() {
        if (labels.isEmpty()) {
            return name;
        }
        return name + labelText();
    }

    /** The labels in Prometheus notation, e.g. {@code {service="web"}}; empty braces for none. */
    public String labelText() {
        return labels.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
