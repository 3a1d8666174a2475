package io.releasepilot.engine.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the dashboard answers: a status, headers and a body, for the host to send as it sends things.
 * A 304 has an empty body.
 */
public record ApiResponse(int status, Map<String, String> headers, byte[] body) {

    public ApiResponse {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public String header(String name) {
        return headers.get(name);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
