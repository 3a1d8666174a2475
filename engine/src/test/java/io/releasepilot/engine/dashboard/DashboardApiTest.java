package io.releasepilot.engine.dashboard;

import static io.releasepilot.engine.dashboard.DashboardFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.sandbox.MutableClock;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(T0);
    private AuditStore store;
    private Dashboard dashboard;
    private DashboardApi api;

    @BeforeEach
    void seed() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock));
        api = new DashboardApi(dashboard);
    }

    @AfterEach
    void close() {
        dashboard.close();
        store.close();
    }

    @Test
    void summaryListsCellsWithCanaryAndDora() throws IOException {
        ApiResponse response = api.handle(ApiRequest.get("api/v1/summary"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("records").asLong()).isEqualTo(8);
        JsonNode apiUat = cell(body, "api", "UAT");
        assertThat(apiUat.get("canary").get("weight").asInt()).isEqualTo(25);
        assertThat(apiUat.get("byOrigin").asText()).isEqualTo("https://jenkins.example.com/job/shop/42/");
        assertThat(body.get("dora").get("changeFailureRate").get("rate").asDouble()).isEqualTo(0.5);
        assertThat(body.get("dora").get("leadTime").get("medianSeconds").asDouble()).isEqualTo(7200.0);
    }

    @Test
    void aReadWithTheCurrentEtagAnswers304WithoutABody() throws Exception {
        dashboard.verification();
        dashboard.verificationCache().awaitIdle(java.time.Duration.ofSeconds(30));
        ApiResponse first = api.handle(ApiRequest.get("api/v1/summary"));

        ApiResponse again = api.handle(ApiRequest.get("api/v1/summary").withIfNoneMatch(first.header("ETag")));

        assertThat(first.header("ETag")).matches("\"[0-9a-f]{32}\"");
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(first.header("ETag"));
    }

    @Test
    void theEtagChangesWhenARecordIsAppended() {
        String before = api.handle(ApiRequest.get("api/v1/feed")).header("ETag");
        store.append(io.releasepilot.engine.audit.AuditEvent.builder(io.releasepilot.engine.audit.AuditAction.NOTE, "web")
                .environment("INT").reason("a note").build(), DashboardFixtures.JENKINS);

        ApiResponse after = api.handle(ApiRequest.get("api/v1/feed").withIfNoneMatch(before));

        assertThat(after.status()).isEqualTo(200);
        assertThat(after.header("ETag")).isNotEqualTo(before);
    }

    @Test
    void historyReturnsAPageAndTheSeqToContinueFrom() throws IOException {
        ApiResponse response = api.handle(ApiRequest.get("api/v1/services/web/history").withQuery(Map.of("limit", "2")));

        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("records")).hasSize(2);
        assertThat(body.get("records").get(0).get("action").asText()).isEqualTo("ROLLED_BACK");
        assertThat(body.get("nextBefore").asLong()).isEqualTo(body.get("records").get(1).get("seq").asLong());
    }

    @Test
    void feedWithoutAfterIsNewestFirstAndWithAfterOldestFirst() throws IOException {
        JsonNode newest = JSON.readTree(api.handle(ApiRequest.get("api/v1/feed").withQuery(Map.of("limit", "3"))).body());
        JsonNode after = JSON.readTree(api.handle(ApiRequest.get("api/v1/feed").withQuery(Map.of("after", "6"))).body());

        assertThat(newest.get("records")).extracting(r -> r.get("seq").asLong()).containsExactly(8L, 7L, 6L);
        assertThat(after.get("records")).extracting(r -> r.get("seq").asLong()).containsExactly(7L, 8L);
        assertThat(after.get("nextAfter").asLong()).isEqualTo(8);
    }

    @Test
    void aBadLimitIsAJson400NamingTheParameterValueAndForm() throws IOException {
        ApiResponse response = api.handle(ApiRequest.get("api/v1/feed").withQuery(Map.of("limit", "lots")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").get("message").asText())
                .isEqualTo("invalid limit: 'lots' (expected a whole number from 1 to 200)");
    }

    @Test
    void anUnknownQueryParameterIsA400() throws IOException {
        ApiResponse response = api.handle(ApiRequest.get("api/v1/summary").withQuery(Map.of("env", "PROD")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").get("message").asText())
                .isEqualTo("invalid query parameter: 'env' (expected none on this resource)");
    }

    @Test
    void aNegativeSequenceIsA400() {
        ApiResponse response = api.handle(ApiRequest.get("api/v1/services/web/history").withQuery(Map.of("before", "-3")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains("invalid before: '-3'");
    }

    @Test
    void anUnknownPathIsAJson404() throws IOException {
        ApiResponse response = api.handle(ApiRequest.get("api/v2/summary"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).get("error").get("status").asInt()).isEqualTo(404);
    }

    @Test
    void anUnreadableStoreIsAJson503NamingIt() throws IOException {
        store.close();

        ApiResponse response = api.handle(ApiRequest.get("api/v1/feed"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("error").get("message").asText())
                .startsWith("cannot query the audit store jdbc:h2:mem:dashboard-");
    }

    @Test
    void writesAreRefusedWith405AndAllow() {
        ApiResponse response = api.handle(new ApiRequest("POST", "api/v1/summary", Map.of(), null));

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("GET, HEAD");
        assertThat(response.header("Content-Type")).startsWith("application/json");
    }

    @Test
    void headAnswersTheHeadersOfGetWithoutABody() {
        ApiResponse get = api.handle(ApiRequest.get("api/v1/feed"));
        ApiResponse head = api.handle(new ApiRequest("HEAD", "api/v1/feed", Map.of(), null));

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("ETag")).isEqualTo(get.header("ETag"));
    }

    @Test
    void thePageIsServedFromTheClasspathWithAStrictContentSecurityPolicy() {
        ApiResponse page = api.handle(ApiRequest.get(""));
        ApiResponse script = api.handle(ApiRequest.get("app.js"));

        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.bodyText()).contains("<script src=\"app.js\" defer></script>");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").contains("default-src 'none'");
        assertThat(script.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(script.bodyText()).doesNotContain(".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write");
    }

    @Test
    void metricsAreInPrometheusTextFormat() {
        ApiResponse response = api.handle(ApiRequest.get("metrics"));

        assertThat(response.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.bodyText())
                .contains("# TYPE release_pilot_audit_records gauge\nrelease_pilot_audit_records 8\n")
                .contains("release_pilot_window_deployments{environment=\"PROD\"} 1\n")
                .contains("release_pilot_window_rollbacks{environment=\"PROD\"} 1\n")
                .contains("release_pilot_window_canary_duration_seconds_count 2\n")
                .contains("release_pilot_window_canary_duration_seconds_sum 5400\n")
                .contains("release_pilot_canary_weight_percent{service=\"api\",environment=\"UAT\"} 25\n")
                .contains("release_pilot_dora_change_failure_ratio{environment=\"PROD\"} 0.5\n");
    }

    @Test
    void metricLabelValuesAreEscaped() {
        assertThat(PrometheusMetrics.label("reason", "a \"b\" \\ c\nd")).isEqualTo("reason=\"a \\\"b\\\" \\\\ c\\nd\"");
    }

    private static JsonNode cell(JsonNode summary, String service, String environment) {
        for (JsonNode c : summary.get("cells")) {
            if (c.get("service").asText().equals(service) && c.get("environment").asText().equals(environment)) {
                return c;
            }
        }
        throw new AssertionError("no cell " + service + "/" + environment);
    }
}
