package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's alerts ({@code GET /api/v2/alerts}), selected by label matchers on the server.
 * Silenced and inhibited alerts do not count: a person or a rule has said they are expected.
 */
public final class AlertmanagerAlerts implements AlertSource {

    private final HttpEndpoint endpoint;
    private final AlertSelector selector;

    private AlertmanagerAlerts(HttpEndpoint endpoint, AlertSelector selector) {
        this.endpoint = endpoint;
        this.selector = selector;
    }

    /**
     * @param url      the server's base URL, e.g. {@code http://alertmanager:9093}
     * @param selector which alerts count; must name alerts or carry matchers
     * @param timeout  how long one request may take
     */
    public static AlertmanagerAlerts of(String url, AlertSelector selector, Duration timeout) {
        return of(url, selector, timeout, AlertAccess.none());
    }

    /** The same, authenticating and trusting as {@code access} says. */
    public static AlertmanagerAlerts of(String url, AlertSelector selector, Duration timeout, AlertAccess access) {
        Sources.requireScoped(selector);
        return new AlertmanagerAlerts(HttpEndpoint.parse("alertmanager", url, timeout, access), selector);
    }

    @Override
    public String describe() {
        return "alertmanager " + endpoint.base() + " alerts " + selector.display();
    }

    @Override
    public List<FiringAlert> firing() throws AlertSourceException {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("active", List.of("true"));
        query.put("silenced", List.of("false"));
        query.put("inhibited", List.of("false"));
        query.put("unprocessed", List.of("false"));
        query.put("filter", selector.matchers().stream().map(LabelMatcher::toString).toList());
        HttpEndpoint.Answer answer = endpoint.get("/api/v2/alerts", query);
        JsonNode alerts = answer.requireJson(200);
        if (!alerts.isArray()) {
            throw new AlertSourceException("GET " + answer.url() + " answered no alert list: " + HttpEndpoint.Answer.abbreviate(answer.text()));
        }
        List<FiringAlert> firing = new ArrayList<>();
        for (JsonNode alert : alerts) {
            // the query already asks for these; checked again so an older or proxied server cannot widen it
            JsonNode status = alert.path("status");
            if (!"active".equals(status.path("state").asText())
                    || !status.path("silencedBy").isEmpty() || !status.path("inhibitedBy").isEmpty()) {
                continue;
            }
            Map<String, String> labels = Sources.labels(alert.path("labels"));
            String name = labels.getOrDefault("alertname", "");
            if (!selector.matches(name, labels)) {
                continue;
            }
            TreeMap<String, String> shown = new TreeMap<>(labels);
            shown.remove("alertname");
            JsonNode value = alert.path("annotations").path("value");
            firing.add(new FiringAlert(name, shown, value.isMissingNode() ? null : value.asText(),
                    Sources.instant(alert.path("startsAt").asText(null))));
        }
        return firing;
    }
}
