package io.releasepilot.cli;

import static io.releasepilot.engine.dashboard.DashboardFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import io.releasepilot.engine.dashboard.DashboardFixtures;
import io.releasepilot.sandbox.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardServerTest {

    private static final String TOKEN = "s3cret-token-0123456789";

    private final HttpClient http = HttpClient.newHttpClient();
    private final MutableClock clock = new MutableClock(T0);
    private AuditStore store;
    private Dashboard dashboard;
    private DashboardServer server;

    @BeforeEach
    void seed() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        dashboard.close();
        store.close();
    }

    private void start(String token) throws Exception {
        server = DashboardServer.start(new DashboardApi(dashboard),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), token);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutATokenTheApiIsOpenOnLoopback() throws Exception {
        start(null);

        HttpResponse<String> response = get("api/v1/summary");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"services\":[\"api\",\"web\"]");
    }

    @Test
    void withATokenTheApiRefusesARequestWithoutIt() throws Exception {
        start(TOKEN);

        HttpResponse<String> response = get("api/v1/summary");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"release-pilot\"");
        assertThat(response.body()).contains("\"status\":401").doesNotContain(TOKEN);
    }

    @Test
    void withATokenTheApiRefusesAWrongToken() throws Exception {
        start(TOKEN);

        HttpResponse<String> response = get("api/v1/summary", "Authorization", "Bearer " + TOKEN + "x");

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void withATokenTheApiAnswersTheRightToken() throws Exception {
        start(TOKEN);

        HttpResponse<String> response = get("api/v1/summary", "Authorization", "Bearer " + TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void withATokenMetricsNeedItToo() throws Exception {
        start(TOKEN);

        assertThat(get("metrics").statusCode()).isEqualTo(401);
        HttpResponse<String> authorised = get("metrics", "Authorization", "Bearer " + TOKEN);
        assertThat(authorised.statusCode()).isEqualTo(200);
        assertThat(authorised.body()).contains("release_pilot_audit_records 8");
    }

    @Test
    void withATokenThePageItselfStaysOpenSinceItHoldsNoData() throws Exception {
        start(TOKEN);

        HttpResponse<String> page = get("");
        HttpResponse<String> script = get("app.js");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Release Pilot").doesNotContain("1.4.0");
        assertThat(script.statusCode()).isEqualTo(200);
    }

    @Test
    void aMatchingIfNoneMatchIsAnswered304OverHttp() throws Exception {
        start(null);
        HttpResponse<String> first = get("api/v1/feed");
        String etag = first.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> again = get("api/v1/feed", "If-None-Match", etag);

        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void theSecurityHeadersReachTheBrowser() throws Exception {
        start(null);

        HttpResponse<String> page = get("");

        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(DashboardApi.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }

    @Test
    void anUnknownPathIsAJson404OverHttp() throws Exception {
        start(null);

        HttpResponse<String> response = get("api/v1/nothing");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
    }

    @Test
    void theUrlNamesTheBoundAddress() throws Exception {
        start(null);

        assertThat(server.url()).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/"));
    }
}
