package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Push mode: an Alertmanager webhook receiver that wakes a watch the moment Alertmanager sends a
 * firing alert, instead of at the next poll. Alertmanager is configured with
 * {@code webhook_configs: [{url: <url()>, http_config: {authorization: {credentials: <token>}}}]};
 * every request must carry {@code Authorization: Bearer <token>}. It binds the loopback
 * interface unless given another address.
 */
public final class AlertmanagerWebhook implements AutoCloseable {

    public static final String PATH = "/alertmanager/webhook";
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] tokenDigest;
    private final Wakeup wakeup;
    private final ProgressListener progress;

    private AlertmanagerWebhook(HttpServer server, ExecutorService executor, byte[] tokenDigest, Wakeup wakeup, ProgressListener progress) {
        this.server = server;
        this.executor = executor;
        this.tokenDigest = tokenDigest;
        this.wakeup = wakeup;
        this.progress = progress;
    }

    /** Listens on 127.0.0.1:{@code port} (0: any free port). */
    public static AlertmanagerWebhook startOnLoopback(int port, char[] token, Wakeup wakeup, ProgressListener progress) {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), token, wakeup, progress);
    }

    /**
     * Listens on {@code bind}; a non-loopback address exposes the receiver to the network, which
     * is only sensible where Alertmanager runs elsewhere.
     *
     * @param token the shared secret Alertmanager sends as a bearer token; never logged
     */
    public static AlertmanagerWebhook start(InetSocketAddress bind, char[] token, Wakeup wakeup, ProgressListener progress) {
        if (token == null || token.length < MIN_TOKEN_LENGTH) {
            throw new InvalidInputException("webhook-token", token == null ? null : "(" + token.length + " characters, hidden)",
                    "a secret of at least " + MIN_TOKEN_LENGTH + " characters");
        }
        byte[] digest = digest(new String(token).getBytes(StandardCharsets.UTF_8));
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new EnvironmentException("cannot listen for Alertmanager webhooks on " + bind + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "release-pilot-alertmanager-webhook");
            t.setDaemon(true);
            return t;
        });
        AlertmanagerWebhook webhook = new AlertmanagerWebhook(server, executor, digest, wakeup, progress);
        server.createContext(PATH, webhook::handle);
        server.setExecutor(executor);
        server.start();
        return webhook;
    }

    /** Where Alertmanager sends: {@code http://127.0.0.1:PORT/alertmanager/webhook}. */
    public URI url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort() + PATH);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorised(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                reply(exchange, 401, "{\"error\":\"a valid bearer token is required\"}");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                reply(exchange, 405, "{\"error\":\"only POST\"}");
                return;
            }
            byte[] body = readAtMost(exchange.getRequestBody());
            if (body == null) {
                reply(exchange, 413, "{\"error\":\"body larger than " + MAX_BODY_BYTES + " bytes\"}");
                return;
            }
            JsonNode payload;
            try {
                payload = JSON.readTree(body);
            } catch (IOException e) {
                payload = null;
            }
            if (payload == null || !payload.path("alerts").isArray()) {
                reply(exchange, 400, "{\"error\":\"expected an Alertmanager webhook payload with an alerts array\"}");
                return;
            }
            int firing = 0;
            for (JsonNode alert : payload.path("alerts")) {
                if ("firing".equals(alert.path("status").asText())) {
                    firing++;
                }
            }
            if (firing > 0) {
                progress.line("[rollbackOnAlert] Alertmanager pushed %d firing alert(s) (group %s): observing now", firing,
                        payload.path("groupKey").asText("?"));
                wakeup.wake();
            }
            reply(exchange, 200, "{\"firing\":" + firing + "}");
        }
    }

    private boolean authorised(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // compared as digests so the time taken says nothing about the token
        return MessageDigest.isEqual(tokenDigest, digest(header.substring(7).strip().getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] readAtMost(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        return bytes.length > MAX_BODY_BYTES ? null : bytes;
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
