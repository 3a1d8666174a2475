package io.releasepilot.sandbox.servers;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A scrape target whose gauges the caller sets: {@code set("canary_error_ratio{service=\"web\"}", 0.2)}.
 * Serves {@code /metrics} in the Prometheus text format on 127.0.0.1.
 */
public final class MetricsTarget implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Double> series = new ConcurrentSkipListMap<>();

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
        server.start();
        return target;
    }

    /** Sets one series, e.g. {@code canary_error_ratio{service="web",track="canary"}}. */
    public void set(String seriesWithLabels, double value) {
        series.put(seriesWithLabels, value);
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
