package io.releasepilot.sandbox.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Prometheus (Debian package {@code prometheus}) on 127.0.0.1, scraping one target and
 * evaluating rules every second, optionally sending alerts to an Alertmanager.
 */
public final class LocalPrometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ServerProcess process;
    private final URI url;

    private LocalPrometheus(ServerProcess process, URI url) {
        this.process = process;
        this.url = url;
    }

    /**
     * Starts Prometheus and waits for the first scrape of {@code target} (about 5.5 s after start).
     *
     * @param rules           the rule file's YAML
     * @param alertmanagerUrl where to send alerts; null for none
     */
    public static LocalPrometheus start(Path workDir, MetricsTarget target, String rules, URI alertmanagerUrl) {
        int port = ServerProcess.freePort();
        Path dir;
        try {
            dir = Files.createDirectories(workDir.resolve("prometheus-" + port));
            Files.writeString(dir.resolve("rules.yml"), rules);
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files: ['%s']
                    %s
                    scrape_configs:
                      - job_name: canary
                        static_configs:
                          - targets: ['%s']
                    """.formatted(dir.resolve("rules.yml"), alertmanagerUrl == null ? "" : """
                    alerting:
                      alertmanagers:
                        - static_configs:
                            - targets: ['%s']
                    """.formatted(alertmanagerUrl.getAuthority()), target.address()));
        } catch (IOException e) {
            throw new LocalServerException("cannot write the Prometheus configuration under " + workDir + ": " + e.getMessage(), e);
        }
        URI url = URI.create("http://127.0.0.1:" + port);
        ServerProcess process = ServerProcess.start("prometheus", "prometheus", List.of("/usr/bin/prometheus",
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--web.enable-lifecycle",
                        "--log.level=warn"),
                dir.resolve("prometheus.log"), url.resolve("/-/ready"), Duration.ofSeconds(30));
        LocalPrometheus prometheus = new LocalPrometheus(process, url);
        try {
            prometheus.awaitFirstScrape(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    public URI url() {
        return url;
    }

    /** The alerts Prometheus reports now ({@code data.alerts} of {@code /api/v1/alerts}). */
    public JsonNode alerts() {
        return get("/api/v1/alerts").path("data").path("alerts");
    }

    /** The state ({@code firing}, {@code pending}) of the alert with these label values, or null. */
    public String alertState(String alertName, String label, String value) {
        for (JsonNode alert : alerts()) {
            JsonNode labels = alert.path("labels");
            if (alertName.equals(labels.path("alertname").asText()) && value.equals(labels.path(label).asText())) {
                return alert.path("state").asText();
            }
        }
        return null;
    }

    private void awaitFirstScrape(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            JsonNode result = get("/api/v1/query?query=" + URLEncoder.encode("up{job=\"canary\"}", StandardCharsets.UTF_8))
                    .path("data").path("result");
            if (result.size() == 1 && "1".equals(result.get(0).path("value").path(1).asText())) {
                return;
            }
            ServerProcess.pause(100);
        }
        throw new LocalServerException("prometheus did not scrape the metrics target within " + timeout.toSeconds() + " s: "
                + process.logTail());
    }

    JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + pathAndQuery)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new LocalServerException("GET " + url + pathAndQuery + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalServerException("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
