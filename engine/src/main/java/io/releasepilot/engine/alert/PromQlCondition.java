package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.releasepilot.engine.InvalidInputException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A PromQL instant query and a threshold ({@code GET /api/v1/query}): each sample of the result
 * that breaches the threshold, and satisfies the matchers, is a firing alert named after the
 * condition. Prometheus itself checks the expression before the watch starts.
 */
public final class PromQlCondition implements AlertSource {

    private final HttpEndpoint endpoint;
    private final String query;
    private final Threshold threshold;
    private final AlertSelector selector;
    private final Clock clock;
    /** When each series started breaching, so a message can say since when it fired. */
    private final Map<SortedMap<String, String>, Instant> breachingSince = new HashMap<>();

    private PromQlCondition(HttpEndpoint endpoint, String query, Threshold threshold, AlertSelector selector, Clock clock) {
        this.endpoint = endpoint;
        this.query = query;
        this.threshold = threshold;
        this.selector = selector;
        this.clock = clock;
    }

    /**
     * @param url       the Prometheus base URL
     * @param query     an expression giving an instant vector or a scalar
     * @param threshold when a sample counts as firing
     * @param selector  label matchers the breaching series must satisfy (names are not used)
     */
    public static PromQlCondition of(String url, String query, Threshold threshold, AlertSelector selector, Duration timeout) {
        return of(url, query, threshold, selector, timeout, AlertAccess.none());
    }

    /** The same, authenticating and trusting as {@code access} says. */
    public static PromQlCondition of(String url, String query, Threshold threshold, AlertSelector selector, Duration timeout,
                                     AlertAccess access) {
        if (query == null || query.isBlank()) {
            throw new InvalidInputException("promql", query, "a PromQL expression such as sum(rate(http_requests_total{code=~\"5..\"}[1m]))");
        }
        if (!selector.names().isEmpty()) {
            throw new InvalidInputException("alert", String.join(",", selector.names()),
                    "no alert names with --promql: the condition is the alert; narrow it with --matcher or in the query");
        }
        return new PromQlCondition(HttpEndpoint.parse("prometheus", url, timeout, access), query.strip(), threshold, selector, Clock.systemUTC());
    }

    /** The condition as a person reads it and as alerts from it are named. */
    public String condition() {
        return query + " " + threshold;
    }

    @Override
    public String describe() {
        return "promql " + endpoint.base() + " " + condition();
    }

    @Override
    public void check() throws AlertSourceException {
        JsonNode data = evaluate(true);
        String type = data.path("resultType").asText();
        if (!type.equals("vector") && !type.equals("scalar")) {
            throw new InvalidInputException("promql", query,
                    "an expression giving an instant vector or a scalar (this one gives a " + type + ")");
        }
    }

    @Override
    public List<FiringAlert> firing() throws AlertSourceException {
        JsonNode data = evaluate(false);
        List<Sample> samples = new ArrayList<>();
        JsonNode result = data.path("result");
        switch (data.path("resultType").asText()) {
            case "vector" -> {
                for (JsonNode s : result) {
                    samples.add(new Sample(new TreeMap<>(Sources.labels(s.path("metric"))), s.path("value").path(1).asText()));
                }
            }
            case "scalar" -> samples.add(new Sample(new TreeMap<>(), result.path(1).asText()));
            default -> throw new AlertSourceException("query " + query + " gave a " + data.path("resultType").asText()
                    + ", not an instant vector or a scalar");
        }
        Instant now = clock.instant();
        Map<SortedMap<String, String>, Instant> stillBreaching = new HashMap<>();
        List<FiringAlert> firing = new ArrayList<>();
        for (Sample s : samples) {
            if (!threshold.breachedBy(parse(s.value())) || !selector.matches("", s.labels())) {
                continue;
            }
            Instant since = breachingSince.getOrDefault(s.labels(), now);
            stillBreaching.put(s.labels(), since);
            firing.add(new FiringAlert(condition(), s.labels(), s.value(), since));
        }
        breachingSince.clear();
        breachingSince.putAll(stillBreaching);
        return firing;
    }

    /** @param checking whether a rejected expression is the user's input error (before the watch) */
    private JsonNode evaluate(boolean checking) throws AlertSourceException {
        HttpEndpoint.Answer answer = endpoint.get("/api/v1/query", Map.of("query", List.of(query)));
        JsonNode body = answer.json();
        if (checking && answer.status() == 400 && body != null && "bad_data".equals(body.path("errorType").asText())) {
            throw new InvalidInputException("promql", query, "an expression Prometheus accepts; it said: " + body.path("error").asText());
        }
        if (body != null && "error".equals(body.path("status").asText())) {
            throw new AlertSourceException("query " + query + " failed on " + endpoint.base() + " (HTTP " + answer.status() + ", "
                    + body.path("errorType").asText() + "): " + body.path("error").asText());
        }
        return answer.requireJson(200).path("data");
    }

    private static double parse(String value) {
        return switch (value) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }

    private record Sample(SortedMap<String, String> labels, String value) {
    }
}
