package io.releasepilot.engine.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.engine.release.Placement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard over HTTP, without HTTP: a request (method, path, query, If-None-Match) in, a
 * status, headers and body out. The CLI's server and the Jenkins page both pass requests here, so
 * they serve the same API (docs/openapi.yaml), the same page and the same metrics. Reads carry an
 * ETag and answer 304 when it matches; every error is JSON.
 */
public final class DashboardApi {

    private static final Logger LOG = Logger.getLogger(DashboardApi.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final Pattern HISTORY = Pattern.compile("api/v1/services/([^/]+)/history");
    private static final Map<String, String> ASSETS = Map.of(
            "", "index.html",
            "index.html", "index.html",
            "app.js", "app.js",
            "app.css", "app.css");
    private static final int DEFAULT_PAGE = 50;

    /**
     * The page loads only its own script and style and talks only to its own origin: even a bug
     * that put data into markup could not load or run anything from elsewhere.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Dashboard dashboard;
    private final PrometheusMetrics metrics;
    private final Map<String, byte[]> assetCache = new ConcurrentHashMap<>();

    public DashboardApi(Dashboard dashboard) {
        this.dashboard = dashboard;
        this.metrics = new PrometheusMetrics(dashboard);
    }

    public ApiResponse handle(ApiRequest request) {
        String path = request.path().startsWith("/") ? request.path().substring(1) : request.path();
        try {
            if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
                return error(405, "method " + request.method() + " is not allowed: the dashboard API is read-only (GET, HEAD)",
                        Map.of("Allow", "GET, HEAD"));
            }
            if (ASSETS.containsKey(path)) {
                // The page ignores its query, so a link may carry one (a cache-buster, a bookmark's note).
                return asset(ASSETS.get(path), request);
            }
            switch (path) {
                case "api/v1/summary" -> {
                    onlyParameters(request);
                    return json(summary(dashboard.summary()), request);
                }
                case "api/v1/feed" -> {
                    return json(feed(request), request);
                }
                case "api/v1/verification" -> {
                    onlyParameters(request);
                    return json(verification(dashboard.verification()), request);
                }
                case "metrics" -> {
                    onlyParameters(request);
                    return withEtag(200, PrometheusMetrics.CONTENT_TYPE, metrics.render().getBytes(StandardCharsets.UTF_8), request);
                }
                default -> {
                    Matcher m = HISTORY.matcher(path);
                    if (m.matches()) {
                        return json(history(m.group(1), request), request);
                    }
                    return error(404, "no such resource: /" + path + " (the API is under api/v1/, see docs/openapi.yaml)", Map.of());
                }
            }
        } catch (InvalidInputException e) {
            return error(400, e.getMessage(), Map.of());
        } catch (EnvironmentException e) {
            return error(503, e.getMessage(), Map.of());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "dashboard request /" + path + " failed", e);
            return error(500, "the dashboard failed to answer /" + path + ": " + e.getClass().getSimpleName(), Map.of());
        }
    }

    private ObjectNode feed(ApiRequest request) {
        onlyParameters(request, "after", "limit");
        int limit = pageSize(request);
        ObjectNode root = JSON.createObjectNode();
        String after = request.query().get("after");
        List<AuditRecord> records;
        if (after == null) {
            records = dashboard.newest(limit);
            root.put("order", "newest-first");
        } else {
            long afterSeq = sequence("after", after);
            records = dashboard.after(afterSeq, limit);
            root.put("order", "oldest-first");
            root.put("nextAfter", records.isEmpty() ? afterSeq : records.get(records.size() - 1).seq());
        }
        ArrayNode array = root.putArray("records");
        records.forEach(r -> array.add(record(r)));
        return root;
    }

    private ObjectNode history(String service, ApiRequest request) {
        onlyParameters(request, "before", "limit");
        String before = request.query().get("before");
        Dashboard.HistoryPage page = dashboard.history(service, before == null ? null : sequence("before", before),
                pageSize(request));
        ObjectNode root = JSON.createObjectNode();
        root.put("service", page.service());
        ArrayNode array = root.putArray("records");
        page.records().forEach(r -> array.add(record(r)));
        if (page.nextBefore() == null) {
            root.putNull("nextBefore");
        } else {
            root.put("nextBefore", page.nextBefore());
        }
        return root;
    }

    private static ObjectNode summary(Dashboard.Summary s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("records", s.records());
        ArrayNode envs = root.putArray("environments");
        s.environments().forEach(envs::add);
        ArrayNode services = root.putArray("services");
        s.services().forEach(services::add);
        ArrayNode cells = root.putArray("cells");
        for (Placement p : s.cells()) {
            ObjectNode c = cells.addObject();
            c.put("service", p.service());
            c.put("environment", p.environment());
            c.put("release", p.release());
            c.put("image", p.image());
            c.put("since", time(p.since()));
            c.put("byActor", p.byActor());
            c.put("byOrigin", p.byOrigin());
            if (p.canaryImage() == null && p.canaryWeight() == null) {
                c.putNull("canary");
            } else {
                ObjectNode canary = c.putObject("canary");
                canary.put("image", p.canaryImage());
                canary.put("release", p.canaryRelease());
                if (p.canaryWeight() == null) {
                    canary.putNull("weight");
                } else {
                    canary.put("weight", p.canaryWeight());
                }
                if (p.canaryAskedWeight() != null) {
                    canary.put("askedWeight", p.canaryAskedWeight());
                }
            }
            c.set("last", p.last() == null ? null : record(p.last()));
        }
        root.set("dora", dora(s.dora()));
        root.set("verification", verification(s.verification()));
        return root;
    }

    private static ObjectNode dora(DoraFigures d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("environment", d.environment());
        o.put("from", time(d.from()));
        o.put("to", time(d.to()));
        o.put("windowDays", (d.to().toEpochMilli() - d.from().toEpochMilli()) / 86_400_000.0);
        ObjectNode freq = o.putObject("deploymentFrequency");
        freq.put("deployments", d.deployments());
        freq.put("perDay", d.deploymentsPerDay());
        ObjectNode cfr = o.putObject("changeFailureRate");
        cfr.put("changes", d.changes());
        cfr.put("failed", d.failedChanges());
        putNullable(cfr, "rate", d.changeFailureRate());
        ObjectNode restore = o.putObject("timeToRestore");
        restore.put("restores", d.restores());
        putNullable(restore, "medianSeconds", d.medianRestoreSeconds());
        ObjectNode lead = o.putObject("leadTime");
        lead.put("deployments", d.leadTimes());
        putNullable(lead, "medianSeconds", d.medianLeadSeconds());
        return o;
    }

    private static ObjectNode verification(VerificationCache.Status v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", v.state().name());
        o.put("records", v.records());
        o.put("checkedAt", time(v.checkedAt()));
        o.put("signaturesChecked", v.signaturesChecked());
        Verification.Problem p = v.problem();
        if (p == null) {
            o.putNull("problem");
        } else {
            ObjectNode problem = o.putObject("problem");
            problem.put("seq", p.seq());
            problem.put("kind", p.kind().name());
            problem.put("message", p.message());
        }
        o.put("error", v.error());
        return o;
    }

    static ObjectNode record(AuditRecord r) {
        AuditEvent e = r.event();
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", r.seq());
        o.put("time", time(r.time()));
        o.put("actor", r.actor());
        o.put("origin", r.origin());
        o.put("action", e.action().name());
        o.put("service", e.service());
        o.put("environment", e.environment());
        o.put("namespace", e.namespace());
        o.put("target", e.target());
        o.put("release", e.release());
        o.put("image", e.image());
        o.put("previousImage", e.previousImage());
        o.put("outcome", e.outcome().name());
        o.put("reason", e.reason());
        ObjectNode details = o.putObject("details");
        e.details().forEach(details::put);
        o.put("hash", r.hash());
        return o;
    }

    private static String time(Instant t) {
        return t == null ? null : CanonicalJson.TIME.format(t);
    }

    private static void putNullable(ObjectNode o, String name, Double value) {
        if (value == null) {
            o.putNull(name);
        } else {
            o.put(name, value);
        }
    }

    private static int pageSize(ApiRequest request) {
        String text = request.query().get("limit");
        if (text == null) {
            return DEFAULT_PAGE;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= Dashboard.MAX_PAGE) {
                return limit;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the accepted form
        }
        throw new InvalidInputException("limit", text, Dashboard.PAGE_FORM);
    }

    private static long sequence(String parameter, String text) {
        try {
            long seq = Long.parseLong(text);
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the accepted form
        }
        throw new InvalidInputException(parameter, text, "a record sequence number (a whole number, 0 or more)");
    }

    private static void onlyParameters(ApiRequest request, String... accepted) {
        Set<String> allowed = Set.of(accepted);
        for (String name : request.query().keySet()) {
            if (!allowed.contains(name)) {
                throw new InvalidInputException("query parameter", name,
                        accepted.length == 0 ? "none on this resource" : "one of " + String.join(", ", accepted));
            }
        }
    }

    private ApiResponse json(ObjectNode body, ApiRequest request) {
        try {
            return withEtag(200, JSON_TYPE, JSON.writeValueAsBytes(body), request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ApiResponse asset(String name, ApiRequest request) {
        byte[] bytes = assetCache.computeIfAbsent(name, DashboardApi::readAsset);
        String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        return withEtag(200, type, bytes, request);
    }

    private static byte[] readAsset(String name) {
        try (InputStream in = DashboardApi.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard asset ui/" + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 200 with a strong ETag over the body, or a 304 when the client already holds it. */
    private static ApiResponse withEtag(int status, String contentType, byte[] body, ApiRequest request) {
        String etag = "\"" + HexFormat.of().formatHex(sha256(body), 0, 16) + "\"";
        Map<String, String> headers = baseHeaders(contentType);
        headers.put("ETag", etag);
        if (matches(request.ifNoneMatch(), etag)) {
            return new ApiResponse(304, headers, new byte[0]);
        }
        return new ApiResponse(status, headers, request.method().equals("HEAD") ? new byte[0] : body);
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals(etag) || c.equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** A JSON error, also for hosts to answer with (e.g. a missing or wrong bearer token: 401). */
    public static ApiResponse error(int status, String message, Map<String, String> extraHeaders) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("status", status);
        error.put("message", message);
        Map<String, String> headers = baseHeaders(JSON_TYPE);
        headers.putAll(extraHeaders);
        return new ApiResponse(status, headers, root.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> baseHeaders(String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType);
        headers.put("Cache-Control", "no-cache");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.put("Referrer-Policy", "no-referrer");
        return headers;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
