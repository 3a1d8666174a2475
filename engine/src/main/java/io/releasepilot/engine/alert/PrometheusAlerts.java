package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus's own view of its alerting rules ({@code GET /api/v1/alerts}). Only {@code firing}
 * alerts count: a {@code pending} alert has not yet held for its rule's {@code for}.
 */
public final class PrometheusAlerts implements AlertSource {

    private final HttpEndpoint endpoint;
    private final AlertSelector selector;

    private PrometheusAlerts(HttpEndpoint endpoint, AlertSelector selector) {
        this.endpoint = endpoint;
        this.selector = selector;
    }

    /**
     * @param url      the server's base URL, e.g. {@code http://prometheus:9090}
     * @param selector which alerts count; must name alerts or carry matchers
     * @param timeout  how long one request may take
     */
    public static PrometheusAlerts of(String url, AlertSelector selector, Duration timeout) {
        return of(url, selector, timeout, AlertAccess.none());
    }

    /** The same, authenticating and trusting as {@code access} says. */
    public static PrometheusAlerts of(String url, AlertSelector selector, Duration timeout, AlertAccess access) {
        Sources.requireScoped(selector);
        return new PrometheusAlerts(HttpEndpoint.parse("prometheus", url, timeout, access), selector);
    }

    @Override
    public String describe() {
        return "prometheus " + endpoint.base() + " alerts " + selector.display();
    }

    @Override
    public List<FiringAlert> firing() throws AlertSourceException {
        HttpEndpoint.Answer answer = endpoint.get("/api/v1/alerts", Map.of());
        JsonNode body = answer.requireJson(200);
        JsonNode alerts = body.path("data").path("alerts");
        if (!"success".equals(body.path("status").asText()) || !alerts.isArray()) {
            throw new AlertSourceException("GET " + answer.url() + " answered no alert list: " + HttpEndpoint.Answer.abbreviate(answer.text()));
        }
        List<FiringAlert> firing = new ArrayList<>();
        for (JsonNode alert : alerts) {
            if (!"firing".equals(alert.path("state").asText())) {
                continue;
            }
            Map<String, String> labels = Sources.labels(alert.path("labels"));
            String name = labels.getOrDefault("alertname", "");
            if (!selector.matches(name, labels)) {
                continue;
            }
            TreeMap<String, String> shown = new TreeMap<>(labels);
            shown.remove("alertname");
            firing.add(new FiringAlert(name, shown, alert.hasNonNull("value") ? alert.get("value").asText() : null,
                    Sources.instant(alert.path("activeAt").asText(null))));
        }
        return firing;
    }
}
