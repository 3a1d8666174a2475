package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
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
 * every request must carry {@code Authorization: Bearer <token>}, compared in constant time.
 *
 * <p>Two ways to receive: {@link #startOnLoopback} listens on a port of its own (the CLI);
 * {@link #handler} gives a {@link Handler} a host calls from its own HTTP endpoint (a Jenkins
 * controller's URL), with the request's Authorization header and body.
 */
public final class AlertmanagerWebhook implements AutoCloseable {

    public static final String PATH = "/alertmanager/webhook";
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Handler handler;

    private AlertmanagerWebhook(HttpServer server, ExecutorService executor, Handler handler) {
        this.server = server;
        this.executor = executor;
        this.handler = handler;
    }

    /**
     * The receiver without a server: a host passes each request it receives to
     * {@link Handler#handle} and answers with the reply's status and JSON.
     *
     * @param token the shared secret Alertmanager sends as a bearer token; copied as a digest, never logged
     */
    public static Handler handler(char[] token, Wakeup wakeup, ProgressListener progress) {
        if (token == null || token.length < MIN_TOKEN_LENGTH) {
            throw new InvalidInputException("webhook-token", token == null ? null : "(" + token.length + " characters, hidden)",
                    "a secret of at least " + MIN_TOKEN_LENGTH + " characters");
        }
        return new Handler(digest(new String(token).getBytes(StandardCharsets.UTF_8)), wakeup, progress);
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
        Handler handler = handler(token, wakeup, progress);
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
        AlertmanagerWebhook webhook = new AlertmanagerWebhook(server, executor, handler);
        server.createContext(PATH, webhook::exchange);
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

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            Reply reply;
            if (!"POST".equals(exchange.getRequestMethod())) {
                reply = handler.authorised(exchange.getRequestHeaders().getFirst("Authorization"))
                        ? new Reply(405, "{\"error\":\"only POST\"}") : Handler.UNAUTHORISED;
                if (reply.status() == 405) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                }
            } else {
                byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
                reply = handler.handle(exchange.getRequestHeaders().getFirst("Authorization"), body);
            }
            if (reply.status() == 401) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            }
            byte[] bytes = reply.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    /** What to answer Alertmanager: an HTTP status and a small JSON body. */
    public record Reply(int status, String json) {
    }

    /** The receiver's logic, for the built-in server and for a host's own endpoint alike. */
    public static final class Handler {

        static final Reply UNAUTHORISED = new Reply(401, "{\"error\":\"a valid bearer token is required\"}");

        private final byte[] tokenDigest;
        private final Wakeup wakeup;
        private final ProgressListener progress;

        private Handler(byte[] tokenDigest, Wakeup wakeup, ProgressListener progress) {
            this.tokenDigest = tokenDigest;
            this.wakeup = wakeup;
            this.progress = progress;
        }

        /**
         * Handles one POST: 401 without the right bearer token, 413 for a body over 1 MiB, 400 for
         * a body that is no Alertmanager payload, else 200 (and a wake-up when an alert fires).
         *
         * @param authorization the request's {@code Authorization} header, or null
         * @param body          the request body as received
         */
        public Reply handle(String authorization, byte[] body) {
            if (!authorised(authorization)) {
                return UNAUTHORISED;
            }
            if (body == null || body.length > MAX_BODY_BYTES) {
                return new Reply(413, "{\"error\":\"body larger than " + MAX_BODY_BYTES + " bytes\"}");
            }
            JsonNode payload;
            try {
                payload = JSON.readTree(body);
            } catch (IOException e) {
                payload = null;
            }
            if (payload == null || !payload.path("alerts").isArray()) {
                return new Reply(400, "{\"error\":\"expected an Alertmanager webhook payload with an alerts array\"}");
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
            return new Reply(200, "{\"firing\":" + firing + "}");
        }

        boolean authorised(String header) {
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            // compared as digests so the time taken says nothing about the token
            return MessageDigest.isEqual(tokenDigest, digest(header.substring(7).strip().getBytes(StandardCharsets.UTF_8)));
        }
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
