package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.releasepilot.engine.InvalidInputException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

/** What the HTTP sources share: reading labels and times, and refusing unscoped watches. */
final class Sources {

    private Sources() {
    }

    /**
     * A watch over every alert of a server would roll a canary back for any service's trouble
     * (and for Alertmanager's always-firing Watchdog): it must say which alerts are the canary's.
     */
    static void requireScoped(AlertSelector selector) {
        if (!selector.isScoped()) {
            throw new InvalidInputException("alert", null,
                    "at least one alert name (--alert) or label matcher (--matcher), so only the canary's alerts count");
        }
    }

    static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }

    static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
