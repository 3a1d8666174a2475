package io.releasepilot.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.EnvironmentException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to a registry's HTTP API (distribution v2) from the engine: checks credentials the way
 * {@code docker login} does and reads which digest a tag resolves to. Handles Basic and token
 * (Bearer) authentication. Registries on loopback are spoken to over plain HTTP.
 */
public final class RegistryClient {

    /**
     * Every manifest kind a builder may push. A registry given only one of them answers 404, or
     * converts the manifest to another schema with another digest.
     */
    static final String MANIFEST_ACCEPT = String.join(", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;
    /** How each registry asked to be authenticated, so later calls answer at once instead of being refused first. */
    private final Map<String, String> challenges = new ConcurrentHashMap<>();

    public RegistryClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * Proves the credentials are accepted by the registry before anything is built: an
     * authenticated {@code GET /v2/}, and for token registries a token for the registry's service.
     *
     * @throws EnvironmentException naming the registry when it is unreachable or rejects the credentials
     */
    public void checkLogin(ImageReference anyOfItsImages, RegistryCredentials credentials) {
        URI uri = base(anyOfItsImages).resolve("/v2/");
        exchange(anyOfItsImages, uri, null, credentials, "confirm the credentials");
    }

    /**
     * The digest of the manifest {@code ref} resolves to now, computed over the bytes the registry
     * serves (so a registry cannot claim a digest its content does not have).
     */
    public String manifestDigest(ImageReference ref, RegistryCredentials credentials) {
        String reference = ref.digest() != null ? ref.digest() : ref.tag();
        URI uri = base(ref).resolve("/v2/" + ref.repository() + "/manifests/" + reference);
        HttpResponse<byte[]> response = exchange(ref, uri, "repository:" + ref.repository() + ":pull", credentials,
                "read the manifest of " + ref);
        return sha256(response.body());
    }

    private HttpResponse<byte[]> exchange(ImageReference ref, URI uri, String scope, RegistryCredentials credentials, String purpose) {
        String known = credentials == null ? null : challenges.get(ref.registry());
        HttpResponse<byte[]> response = known != null
                ? get(ref, uri, authorization(ref, uri, known, scope, credentials))
                : get(ref, uri, null);
        if (known != null && (response.statusCode() == 401 || response.statusCode() == 403)) {
            throw rejected(ref, credentials, uri, response.statusCode());
        }
        if (response.statusCode() == 401) {
            String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
            challenges.put(ref.registry(), challenge);
            if (credentials == null) {
                throw new EnvironmentException("registry " + ref.registry() + " asks for credentials to " + purpose
                        + " (HTTP 401 at " + uri + ") and none were given");
            }
            String authorization = authorization(ref, uri, challenge, scope, credentials);
            response = get(ref, uri, authorization);
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw rejected(ref, credentials, uri, response.statusCode());
            }
        }
        if (response.statusCode() == 404) {
            throw new EnvironmentException("registry " + ref.registry() + " has no manifest for " + ref + " (HTTP 404 at " + uri + ")");
        }
        if (response.statusCode() / 100 != 2) {
            throw new EnvironmentException("registry " + ref.registry() + " answered HTTP " + response.statusCode() + " at " + uri
                    + " while trying to " + purpose + ": " + snippet(response.body()));
        }
        return response;
    }

    private String authorization(ImageReference ref, URI uri, String challenge, String scope, RegistryCredentials credentials) {
        String scheme = challenge.isBlank() ? "" : challenge.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (scheme.equals("basic")) {
            return "Basic " + credentials.basicToken();
        }
        if (!scheme.equals("bearer")) {
            throw new EnvironmentException("registry " + ref.registry() + " asks for an authentication scheme this tool does not speak ('"
                    + challenge + "' at " + uri + ")");
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            throw new EnvironmentException("registry " + ref.registry() + " asks for a token but names no realm ('" + challenge + "' at " + uri + ")");
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        }
        String wantedScope = scope != null ? scope : params.get("scope");
        if (wantedScope != null) {
            query.append(query.length() == 0 ? "" : "&").append("scope=").append(URLEncoder.encode(wantedScope, StandardCharsets.UTF_8));
        }
        query.append(query.length() == 0 ? "" : "&").append("account=").append(URLEncoder.encode(credentials.username(), StandardCharsets.UTF_8));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpResponse<byte[]> token = get(ref, tokenUri, "Basic " + credentials.basicToken());
        if (token.statusCode() == 401 || token.statusCode() == 403) {
            throw rejected(ref, credentials, tokenUri, token.statusCode());
        }
        if (token.statusCode() / 100 != 2) {
            throw new EnvironmentException("the token service of registry " + ref.registry() + " answered HTTP " + token.statusCode()
                    + " at " + tokenUri);
        }
        try {
            JsonNode body = JSON.readTree(token.body());
            JsonNode value = body.hasNonNull("token") ? body.get("token") : body.get("access_token");
            if (value == null || value.asText().isEmpty()) {
                throw new EnvironmentException("the token service of registry " + ref.registry() + " returned no token at " + tokenUri);
            }
            return "Bearer " + value.asText();
        } catch (IOException e) {
            throw new EnvironmentException("the token service of registry " + ref.registry() + " returned something other than JSON at " + tokenUri, e);
        }
    }

    private static EnvironmentException rejected(ImageReference ref, RegistryCredentials credentials, URI uri, int status) {
        return new EnvironmentException("registry " + ref.registry() + " rejected the credentials of user '" + credentials.username()
                + "' (from " + credentials.origin() + "): HTTP " + status + " at " + uri);
    }

    private HttpResponse<byte[]> get(ImageReference ref, URI uri, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("Accept", MANIFEST_ACCEPT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new EnvironmentException("registry " + ref.registry() + " is unreachable at " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while talking to registry " + ref.registry() + " at " + uri, e);
        }
    }

    private static URI base(ImageReference ref) {
        // Docker Hub's API lives on another host than the name people write in references.
        String host = ref.registry().equals("docker.io") ? "registry-1.docker.io" : ref.registry();
        return URI.create((ref.loopbackRegistry() ? "http://" : "https://") + host + "/");
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
