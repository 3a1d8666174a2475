package io.releasepilot.engine.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.InvalidInputException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The base URL of a Prometheus or Alertmanager server (possibly with a path prefix such as
 * {@code /prometheus}) and the JSON GETs the sources make against it.
 */
final class HttpEndpoint {

    static final String ACCEPTED_FORM = "an http or https URL such as http://prometheus:9090 (no user:password in it)";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient client;
    private final Duration timeout;
    private final AlertAccess access;

    private HttpEndpoint(URI base, Duration timeout, AlertAccess access) {
        this.base = base;
        this.timeout = timeout;
        this.access = access;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout)
                // a redirect to another host would carry the Authorization header there
                .followRedirects(access.auth() instanceof HttpAuth.None ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER);
        javax.net.ssl.SSLContext tls = access.sslContext();
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.build();
    }

    /**
     * @param timeout how long one request may take; an observation that takes longer is an error
     * @param access  the server's auth and CA
     */
    static HttpEndpoint parse(String parameter, String text, Duration timeout, AlertAccess access) {
        URI uri;
        try {
            uri = new URI(text == null ? "" : text.trim());
        } catch (URISyntaxException e) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        if (uri.getRawUserInfo() != null) {
            // a password in a URL ends up in argv, logs and the audit trail: refuse it, and never echo it
            throw new InvalidInputException(parameter, uri.getScheme() + "://****@" + uri.getHost(), ACCEPTED_FORM);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return new HttpEndpoint(URI.create(scheme.toLowerCase() + "://" + uri.getRawAuthority() + path), timeout, access);
    }

    URI base() {
        return base;
    }

    /** GETs {@code path} with query parameters (each may repeat) and returns the answer. */
    Answer get(String path, Map<String, List<String>> query) throws AlertSourceException {
        String q = query.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(v -> enc(e.getKey()) + "=" + enc(v)))
                .collect(Collectors.joining("&"));
        URI uri = URI.create(base + path + (q.isEmpty() ? "" : "?" + q));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
        access.auth().authorizationHeader().ifPresent(value -> builder.header("Authorization", value));
        HttpRequest request = builder.build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new AlertSourceException("GET " + base + path + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new AlertSourceException("GET " + base + path + " failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AlertSourceException("GET " + base + path + " was interrupted", e);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new AlertSourceException("GET " + base + path + " answered HTTP " + response.statusCode() + " with "
                    + access.auth().describe() + ": check the token or user and password the watch was given");
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        return new Answer(base + path, response.statusCode(), body, response.body());
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " " + message);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A server's answer: its status, and its body as JSON when it was JSON. */
    record Answer(String url, int status, JsonNode json, String text) {

        /** The body as JSON, or an error saying what came back instead. */
        JsonNode requireJson(int expectedStatus) throws AlertSourceException {
            if (status != expectedStatus) {
                throw new AlertSourceException("GET " + url + " answered HTTP " + status + ": " + abbreviate(text));
            }
            if (json == null) {
                throw new AlertSourceException("GET " + url + " answered something that is not JSON: " + abbreviate(text));
            }
            return json;
        }

        static String abbreviate(String text) {
            String t = text == null ? "" : text.strip().replaceAll("\\s+", " ");
            return t.length() > 300 ? t.substring(0, 300) + "…" : t;
        }
    }
}
