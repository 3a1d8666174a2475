package io.releasepilot.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.dashboard.ApiRequest;
import io.releasepilot.engine.dashboard.ApiResponse;
import io.releasepilot.engine.dashboard.DashboardApi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The dashboard on the JDK's own HTTP server (no dependency). It only moves bytes between HTTP and
 * {@link DashboardApi}, and, when a token is set, asks for it on the API and {@code /metrics}: the
 * page and its script and style hold no data and stay open, so a browser can load them and then
 * send the token it is given.
 */
final class DashboardServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DashboardServer.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;
    private final DashboardApi api;
    /** SHA-256 of the bearer token, or null when none is required. */
    private final byte[] tokenDigest;

    private DashboardServer(HttpServer server, ExecutorService executor, DashboardApi api, byte[] tokenDigest) {
        this.server = server;
        this.executor = executor;
        this.api = api;
        this.tokenDigest = tokenDigest;
    }

    /**
     * Listens on {@code address} (port 0: any free port).
     *
     * @param token the bearer token the API and metrics require, or null for none
     */
    static DashboardServer start(DashboardApi api, InetSocketAddress address, String token) {
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new EnvironmentException("cannot listen on " + hostPort(address.getAddress(), address.getPort()) + ": "
                    + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "release-pilot-dashboard");
            t.setDaemon(true);
            return t;
        });
        DashboardServer server = new DashboardServer(http, executor, api, token == null ? null : sha256(token));
        http.createContext("/", server::exchange);
        http.setExecutor(executor);
        http.start();
        return server;
    }

    int port() {
        return server.getAddress().getPort();
    }

    URI url() {
        return URI.create("http://" + hostPort(server.getAddress().getAddress(), port()) + "/");
    }

    static String hostPort(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String path = uri.getPath() == null ? "/" : uri.getPath();
            ApiResponse response;
            if (tokenDigest != null && needsToken(path) && !authorised(exchange.getRequestHeaders().getFirst("Authorization"))) {
                response = DashboardApi.error(401, "this dashboard needs a bearer token: send 'Authorization: Bearer <token>' "
                        + "with the token from the server's --token-file", Map.of("WWW-Authenticate", "Bearer realm=\"release-pilot\""));
            } else {
                response = api.handle(new ApiRequest(exchange.getRequestMethod(), path.substring(1),
                        ApiRequest.parseQuery(uri.getRawQuery()), exchange.getRequestHeaders().getFirst("If-None-Match")));
            }
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            boolean noBody = response.status() == 304 || exchange.getRequestMethod().equals("HEAD") || response.body().length == 0;
            exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "dashboard exchange failed", e);
            throw e;
        }
    }

    private static boolean needsToken(String path) {
        return path.startsWith("/api/") || path.equals("/metrics");
    }

    /** Compares digests of equal length with a constant-time comparison: the time taken says nothing about the token. */
    private boolean authorised(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).trim()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
