package io.jenkins.plugins.releasepilot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hudson.Extension;
import hudson.model.Job;
import hudson.model.RootAction;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.dashboard.ApiRequest;
import io.releasepilot.engine.dashboard.ApiResponse;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jenkins.model.Jenkins;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.StaplerResponse2;
import org.springframework.security.access.AccessDeniedException;

/**
 * The "Releases" dashboard at {@code /release-pilot/}: the engine's dashboard (the same page
 * script, style and JSON API as {@code release-pilot serve}, bundled, nothing from a CDN) inside
 * Jenkins's page layout. Needs Overall/Read. What a user sees is cut to what they may see: records
 * from builds of jobs they cannot read are left out of the feed, the histories and the matrix;
 * the verification badge also holds every build's recorded audit head against the trail.
 */
@Extension
public class ReleasesDashboard implements RootAction {

    static final String URL_NAME = "release-pilot";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A build's path below the controller's root: {@code job/A/job/B/42/}, folders included. */
    private static final Pattern BUILD_PATH = Pattern.compile("((?:job/[^/]+/)+)(\\d+)/?(?:#.*)?");
    private static final String NO_ROOT_URL = "jenkins:///";

    private Opened opened;
    private final HeadCheck headCheck = new HeadCheck();

    @Override
    public String getIconFileName() {
        return Jenkins.get().hasPermission(Jenkins.READ) ? "symbol-cube" : null;
    }

    @Override
    public String getDisplayName() {
        return "Releases";
    }

    @Override
    public String getUrlName() {
        return URL_NAME;
    }

    /** The engine page's markup (static, no data) for the Jelly shell to place inside Jenkins's layout. */
    public String getPageMarkup() throws IOException {
        Jenkins.get().checkPermission(Jenkins.READ);
        String html;
        try (InputStream in = DashboardApi.class.getResourceAsStream("ui/index.html")) {
            if (in == null) {
                throw new IOException("the dashboard page ui/index.html is missing from the engine");
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int start = html.indexOf("<main>");
        int end = html.indexOf("</main>");
        String header = html.substring(html.indexOf("<header"), html.indexOf("</header>") + "</header>".length());
        return header + html.substring(start, end + "</main>".length());
    }

    /** Everything below {@code /release-pilot/} but the page itself: the script, the style and the JSON API. */
    public void doDynamic(StaplerRequest2 req, StaplerResponse2 rsp) throws IOException, ServletException {
        Jenkins.get().checkPermission(Jenkins.READ);
        String path = req.getRestOfPath().startsWith("/") ? req.getRestOfPath().substring(1) : req.getRestOfPath();
        if (path.equals("metrics")) {
            // Metrics name every service and environment of the whole trail: for administrators (and Prometheus's token) only.
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        }
        ApiResponse answer = handle(new ApiRequest(req.getMethod(), path, ApiRequest.parseQuery(req.getQueryString()), null),
                req.getHeader("If-None-Match"));
        rsp.setStatus(answer.status());
        answer.headers().forEach((name, value) -> {
            // Jenkins's own Content-Security-Policy governs its pages; the engine's is for its standalone page.
            if (!name.equals("Content-Security-Policy")) {
                rsp.setHeader(name, value);
            }
        });
        try (OutputStream out = rsp.getOutputStream()) {
            out.write(answer.body());
        }
    }

    /** The engine's answer, cut to what the current user may read, with its ETag over what is sent. */
    ApiResponse handle(ApiRequest request, String ifNoneMatch) throws IOException {
        Opened current = opened();
        ApiResponse answer = current.api().handle(request);
        String type = answer.headers().getOrDefault("Content-Type", "");
        if (answer.status() != 200 || !type.startsWith("application/json") || !request.path().startsWith("api/")) {
            return answer.status() == 200 ? withEtag(answer, answer.body(), ifNoneMatch, request.method()) : answer;
        }
        JsonNode body = JSON.readTree(answer.body());
        Visibility visibility = new Visibility();
        if (body.path("records").isArray()) {
            filterRecords((ArrayNode) body.get("records"), visibility);
        }
        if (body.path("cells").isArray()) {
            filterCells((ObjectNode) body, visibility);
        }
        if (body.has("verification")) {
            headCheck.overlay((ObjectNode) body.get("verification"), current.store());
        } else if (request.path().equals("api/v1/verification")) {
            headCheck.overlay((ObjectNode) body, current.store());
        }
        return withEtag(answer, JSON.writeValueAsBytes(body), ifNoneMatch, request.method());
    }

    private static ApiResponse withEtag(ApiResponse answer, byte[] body, String ifNoneMatch, String method) {
        String etag = "\"" + HexFormat.of().formatHex(sha256(body), 0, 16) + "\"";
        Map<String, String> headers = new java.util.LinkedHashMap<>(answer.headers());
        headers.put("ETag", etag);
        if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.trim().equals("*"))) {
            return new ApiResponse(304, headers, new byte[0]);
        }
        return new ApiResponse(answer.status(), headers, method.equals("HEAD") ? new byte[0] : body);
    }

    private static void filterRecords(ArrayNode records, Visibility visibility) {
        for (Iterator<JsonNode> it = records.iterator(); it.hasNext(); ) {
            ObjectNode record = (ObjectNode) it.next();
            if (!visibility.readable(record.path("origin").asText(null))) {
                it.remove();
            } else {
                linkToBuild(record, "origin");
            }
        }
    }

    /** A cell shows what a build did: hidden when the build that set it is of a job the user cannot read. */
    private static void filterCells(ObjectNode summary, Visibility visibility) {
        ArrayNode cells = (ArrayNode) summary.get("cells");
        Set<String> servicesShown = new HashSet<>();
        for (Iterator<JsonNode> it = cells.iterator(); it.hasNext(); ) {
            ObjectNode cell = (ObjectNode) it.next();
            JsonNode last = cell.get("last");
            boolean lastReadable = last == null || last.isNull() || visibility.readable(last.path("origin").asText(null));
            if (!visibility.readable(cell.path("byOrigin").asText(null)) || !lastReadable) {
                it.remove();
                continue;
            }
            linkToBuild(cell, "byOrigin");
            if (last != null && !last.isNull()) {
                linkToBuild((ObjectNode) last, "origin");
            }
            servicesShown.add(cell.path("service").asText());
        }
        ArrayNode services = (ArrayNode) summary.get("services");
        for (Iterator<JsonNode> it = services.iterator(); it.hasNext(); ) {
            if (!servicesShown.contains(it.next().asText())) {
                it.remove();
            }
        }
    }

    /** An origin recorded without a root URL ({@code jenkins:///job/…}) becomes a link to the build on this controller. */
    private static void linkToBuild(ObjectNode node, String field) {
        String origin = node.path(field).asText(null);
        if (origin != null && origin.startsWith(NO_ROOT_URL)) {
            node.put(field, Jenkins.get().getRootUrlFromRequest() + origin.substring(NO_ROOT_URL.length()));
        }
    }

    /**
     * Whether the current user may see records from an origin: an origin that is a build of this
     * controller needs Item/Read on its job (a job that is gone: Administer); any other origin (a
     * CLI host, another controller) is not a job of this controller and is shown.
     */
    static final class Visibility {
        private final Map<String, Boolean> known = new java.util.HashMap<>();
        private final boolean admin = Jenkins.get().hasPermission(Jenkins.ADMINISTER);

        boolean readable(String origin) {
            if (origin == null || admin) {
                return true;
            }
            String path = pathOnThisController(origin);
            if (path == null) {
                return true;
            }
            return known.computeIfAbsent(path, Visibility::jobReadable);
        }

        private static String pathOnThisController(String origin) {
            String root = Jenkins.get().getRootUrl();
            if (root != null && origin.startsWith(root)) {
                return origin.substring(root.length());
            }
            if (origin.startsWith(NO_ROOT_URL)) {
                return origin.substring(NO_ROOT_URL.length());
            }
            return null;
        }

        private static boolean jobReadable(String path) {
            Matcher m = BUILD_PATH.matcher(path);
            if (!m.matches()) {
                return false;
            }
            String fullName = m.group(1).replaceAll("^job/", "").replace("/job/", "/");
            fullName = fullName.endsWith("/") ? fullName.substring(0, fullName.length() - 1) : fullName;
            try {
                Job<?, ?> job = Jenkins.get().getItemByFullName(decode(fullName), Job.class);
                return job != null && job.hasPermission(Job.READ);
            } catch (AccessDeniedException discoverOnly) {
                return false;
            }
        }

        private static String decode(String path) {
            return java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }

    /** The engine dashboard over one audit store. */
    private record Opened(AuditStore store, Dashboard dashboard, DashboardApi api) {
    }

    /** One engine dashboard over the controller's audit store, opened anew when the configuration names another store. */
    private synchronized Opened opened() throws IOException {
        AuditStore store = AuditTrail.get().store();
        if (opened == null || opened.store() != store) {
            if (opened != null) {
                opened.dashboard().close();
            }
            Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withLifecycle(ReleasePilotConfiguration.get().lifecycle()));
            opened = new Opened(store, dashboard, new DashboardApi(dashboard));
        }
        return opened;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
