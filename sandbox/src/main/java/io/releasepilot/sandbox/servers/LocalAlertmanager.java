package io.releasepilot.sandbox.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Alertmanager (Debian package {@code prometheus-alertmanager}) on 127.0.0.1 with one
 * route that sends at once (no group wait) to a webhook, if one is given.
 */
public final class LocalAlertmanager implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ServerProcess process;
    private final URI url;

    private LocalAlertmanager(ServerProcess process, URI url) {
        this.process = process;
        this.url = url;
    }

    /**
     * @param webhook      where notifications go; null for none
     * @param webhookToken the bearer token sent with them (written to the private config file)
     */
    public static LocalAlertmanager start(Path workDir, URI webhook, char[] webhookToken) {
        int port = ServerProcess.freePort();
        Path dir;
        try {
            dir = Files.createDirectories(workDir.resolve("alertmanager-" + port));
            String receiver = webhook == null ? "  - name: default\n" : """
                      - name: default
                        webhook_configs:
                          - url: '%s'
                            send_resolved: false
                            http_config:
                              authorization:
                                credentials: '%s'
                    """.formatted(webhook, new String(webhookToken));
            Files.writeString(dir.resolve("alertmanager.yml"), """
                    route:
                      receiver: default
                      group_by: ['...']
                      group_wait: 0s
                      group_interval: 1s
                      repeat_interval: 1h
                    receivers:
                    """ + receiver);
        } catch (IOException e) {
            throw new LocalServerException("cannot write the Alertmanager configuration under " + workDir + ": " + e.getMessage(), e);
        }
        URI url = URI.create("http://127.0.0.1:" + port);
        ServerProcess process = ServerProcess.start("alertmanager", "prometheus-alertmanager", List.of("/usr/bin/prometheus-alertmanager",
                        "--config.file=" + dir.resolve("alertmanager.yml"),
                        "--storage.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address=",
                        "--log.level=warn"),
                dir.resolve("alertmanager.log"), url.resolve("/-/ready"), Duration.ofSeconds(30));
        return new LocalAlertmanager(process, url);
    }

    public URI url() {
        return url;
    }

    /** Every alert Alertmanager holds, silenced and inhibited ones included. */
    public JsonNode alerts() {
        return send(HttpRequest.newBuilder(url.resolve("/api/v2/alerts")).GET());
    }

    /** Posts alerts as Prometheus does ({@code POST /api/v2/alerts}, a JSON array). */
    public void post(String alertsJson) {
        send(HttpRequest.newBuilder(url.resolve("/api/v2/alerts")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alertsJson)));
    }

    /** Silences alerts with {@code label="value"} for an hour; returns the silence id. */
    public String silence(String label, String value) {
        String now = java.time.Instant.now().minusSeconds(60).toString();
        String end = java.time.Instant.now().plusSeconds(3600).toString();
        String body = """
                {"matchers":[{"name":"%s","value":"%s","isRegex":false,"isEqual":true}],
                 "startsAt":"%s","endsAt":"%s","createdBy":"release-pilot tests","comment":"expected during the test"}
                """.formatted(label, value, now, end);
        return send(HttpRequest.newBuilder(url.resolve("/api/v2/silences")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))).path("silenceID").asText();
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new LocalServerException("alertmanager answered HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new LocalServerException("alertmanager request failed: " + e.getMessage(), e);
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
