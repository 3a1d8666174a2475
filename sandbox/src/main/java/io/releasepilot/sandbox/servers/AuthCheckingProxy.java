package io.releasepilot.sandbox.servers;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A tiny reverse proxy on loopback in front of a real Prometheus or Alertmanager that answers
 * 401 unless a request carries the expected {@code Authorization} header, the way an
 * authenticating ingress does. It records every Authorization header it received.
 */
public final class AuthCheckingProxy implements AutoCloseable {

    /** Every Authorization header received, in order ("null" for none). */
    public final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final HttpClient upstreamClient = HttpClient.newHttpClient();
    private final URI upstream;
    private final String expected;
    private final String scheme;

    private AuthCheckingProxy(HttpServer server, URI upstream, String expected, String scheme) {
        this.server = server;
        this.upstream = upstream;
        this.expected = expected;
        this.scheme = scheme;
        server.createContext("/", this::forward);
        server.setExecutor(executor);
        server.start();
    }

    /** Plain http on a free loopback port. */
    public static AuthCheckingProxy http(URI upstream, String expectedAuthorization) {
        try {
            return new AuthCheckingProxy(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16), upstream,
                    expectedAuthorization, "http");
        } catch (IOException e) {
            throw new LocalServerException("cannot listen on loopback for the proxy: " + e.getMessage(), e);
        }
    }

    /** https with the server certificate of {@code tls}, on a free loopback port. */
    public static AuthCheckingProxy https(URI upstream, String expectedAuthorization, SSLContext tls) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            return new AuthCheckingProxy(server, upstream, expectedAuthorization, "https");
        } catch (IOException e) {
            throw new LocalServerException("cannot listen on loopback for the proxy: " + e.getMessage(), e);
        }
    }

    public URI url() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(authorization));
            if (!expected.equals(authorization)) {
                byte[] body = "Unauthorized\n".getBytes();
                exchange.sendResponseHeaders(401, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            HttpResponse<byte[]> answer = upstreamClient.send(HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().set("Content-Type", answer.headers().firstValue("Content-Type").orElse("application/json"));
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
