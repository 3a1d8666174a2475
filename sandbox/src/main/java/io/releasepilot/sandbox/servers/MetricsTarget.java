package io.releasepilot.sandbox.servers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape target whose gauges the caller sets: {@code set("canary_error_ratio{service=\"web\"}", 0.2)}.
 * Serves {@code /metrics} in the Prometheus text format on 127.0.0.1, and, for machines without
 * Prometheus, a SIMULATED alerts endpoint in Prometheus's format ({@code GET /api/v1/alerts}):
 * an alert per series above the limit of an {@link #alertWhenAbove} rule, firing from the moment
 * its value crossed the limit (a rule with {@code for: 0s}).
 */
public final class MetricsTarget implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One rule of the simulated alerts endpoint. */
    private record Rule(String alertName, double limit) {
    }

    private final HttpServer server;
    private final Map<String, Double> series = new ConcurrentSkipListMap<>();
    private final Map<String, Rule> rules = new ConcurrentHashMap<>();
    private final Map<String, Instant> firingSince = new ConcurrentHashMap<>();

    private MetricsTarget(HttpServer server) {
        this.server = server;
    }

    public static MetricsTarget start() {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new LocalServerException("cannot start the metrics target: " + e.getMessage(), e);
        }
        MetricsTarget target = new MetricsTarget(server);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                StringBuilder text = new StringBuilder();
                target.series.forEach((name, value) -> text.append(name).append(' ').append(String.format(Locale.ROOT, "%s", value)).append('\n'));
                byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.createContext("/api/v1/alerts", exchange -> {
            try (exchange) {
                byte[] body = target.alertsJson().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return target;
    }

    /** Sets one series, e.g. {@code canary_error_ratio{service="web",track="canary"}}. */
    public void set(String seriesWithLabels, double value) {
        Matcher m = SERIES.matcher(seriesWithLabels);
        if (!m.matches()) {
            throw new IllegalArgumentException("series " + seriesWithLabels + ": a metric name with optional labels, e.g. up{job=\"web\"}");
        }
        series.put(seriesWithLabels, value);
        Rule rule = rules.get(m.group(1));
        if (rule != null && value > rule.limit()) {
            firingSince.putIfAbsent(seriesWithLabels, Instant.now());
        } else {
            firingSince.remove(seriesWithLabels);
        }
    }

    /**
     * Makes the simulated alerts endpoint report {@code alertName} firing for every series of
     * {@code metric} set above {@code limit} from now on, labelled as the series is.
     */
    public void alertWhenAbove(String alertName, String metric, double limit) {
        rules.put(metric, new Rule(alertName, limit));
    }

    /** The simulated alerts endpoint's URL, for an alert source that reads Prometheus's alerts API. */
    public String alertsUrl() {
        return "http://" + address();
    }

    private String alertsJson() {
        ObjectNode root = JSON.createObjectNode().put("status", "success");
        ArrayNode alerts = root.putObject("data").putArray("alerts");
        firingSince.forEach((name, since) -> {
            Matcher m = SERIES.matcher(name);
            if (!m.matches()) {
                return;
            }
            ObjectNode alert = alerts.addObject();
            ObjectNode labels = alert.putObject("labels").put("alertname", rules.get(m.group(1)).alertName());
            if (m.group(2) != null) {
                Matcher label = LABEL.matcher(m.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            alert.put("state", "firing");
            alert.put("activeAt", since.toString());
            alert.put("value", String.format(Locale.ROOT, "%s", series.get(name)));
        });
        return root.toString();
    }

    /** {@code 127.0.0.1:PORT}, as a scrape config names it. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
