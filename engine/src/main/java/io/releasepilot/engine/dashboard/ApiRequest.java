package io.releasepilot.engine.dashboard;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One request to the dashboard, as any host sees it: the CLI's HTTP server or a Jenkins page.
 *
 * @param method      the HTTP method
 * @param path        the path below the dashboard's root, e.g. {@code api/v1/summary} ("" is the page)
 * @param query       decoded query parameters (one value each)
 * @param ifNoneMatch the {@code If-None-Match} header, or null
 */
public record ApiRequest(String method, String path, Map<String, String> query, String ifNoneMatch) {

    public ApiRequest {
        Objects.requireNonNull(method, "method");
        path = path == null ? "" : path;
        query = query == null ? Map.of() : Map.copyOf(query);
    }

    public static ApiRequest get(String path) {
        return new ApiRequest("GET", path, Map.of(), null);
    }

    public ApiRequest withQuery(Map<String, String> value) {
        return new ApiRequest(method, path, value, ifNoneMatch);
    }

    public ApiRequest withIfNoneMatch(String value) {
        return new ApiRequest(method, path, query, value);
    }

    /** Decodes a raw query string ({@code a=1&b=x%20y}); a repeated name keeps its first value. */
    public static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }
}
