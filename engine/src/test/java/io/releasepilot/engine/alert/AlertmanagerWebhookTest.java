package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The push receiver on its own: who may wake the watch, and with what. */
class AlertmanagerWebhookTest {

    static final String TOKEN = "s3cret-webhook-token-7f1c9a";
    static final String FIRING = """
            {"version":"4","groupKey":"{}:{alertname=\\"HighErrorRate\\"}","status":"firing","receiver":"default",
             "alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","service":"web"},"startsAt":"2026-11-22T01:00:00Z"}]}
            """;

    final HttpClient http = HttpClient.newHttpClient();
    final RecordingProgress progress = new RecordingProgress();
    final Wakeup wakeup = new Wakeup();
    final AtomicInteger wakes = new AtomicInteger();
    AlertmanagerWebhook webhook;

    @BeforeEach
    void start() {
        wakeup.listen(wakes::incrementAndGet);
        webhook = AlertmanagerWebhook.startOnLoopback(0, TOKEN.toCharArray(), wakeup, progress);
    }

    @AfterEach
    void stop() {
        webhook.close();
    }

    int post(String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook.url()).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(webhook.url().getHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void firingPayloadWithTheTokenWakesTheWatch() throws Exception {
        assertThat(post("Bearer " + TOKEN, FIRING)).isEqualTo(200);

        assertThat(wakes.get()).isEqualTo(1);
        assertThat(progress.text()).contains("Alertmanager pushed 1 firing alert(s)").doesNotContain(TOKEN);
    }

    @Test
    void requestWithoutATokenIsRefusedAndWakesNothing() throws Exception {
        assertThat(post(null, FIRING)).isEqualTo(401);

        assertThat(wakes.get()).isZero();
    }

    @Test
    void requestWithAWrongTokenIsRefusedAndWakesNothing() throws Exception {
        assertThat(post("Bearer " + TOKEN + "x", FIRING)).isEqualTo(401);

        assertThat(wakes.get()).isZero();
    }

    @Test
    void payloadThatIsNotAnAlertmanagerNotificationIsRejected() throws Exception {
        assertThat(post("Bearer " + TOKEN, "{\"hello\":1}")).isEqualTo(400);
        assertThat(post("Bearer " + TOKEN, "not json")).isEqualTo(400);

        assertThat(wakes.get()).isZero();
    }

    @Test
    void resolvedOnlyPayloadDoesNotWakeTheWatch() throws Exception {
        assertThat(post("Bearer " + TOKEN, FIRING.replace("\"status\":\"firing\"", "\"status\":\"resolved\""))).isEqualTo(200);

        assertThat(wakes.get()).isZero();
    }

    @Test
    void getIsNotAllowed() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(webhook.url()).header("Authorization", "Bearer " + TOKEN).GET().build();

        assertThat(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(405);
    }

    @Test
    void shortTokenIsInvalidInputThatDoesNotEchoIt() {
        assertThatThrownBy(() -> AlertmanagerWebhook.startOnLoopback(0, "short-secret".toCharArray(), wakeup, progress))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at least 16 characters")
                .hasMessageNotContaining("short-secret");
    }

    @Test
    void aHostsOwnEndpointHandsTheRequestToTheHandlerWhichWakesTheWatch() {
        AlertmanagerWebhook.Handler handler = AlertmanagerWebhook.handler(TOKEN.toCharArray(), wakeup, progress);

        AlertmanagerWebhook.Reply reply = handler.handle("Bearer " + TOKEN, FIRING.getBytes(StandardCharsets.UTF_8));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json()).isEqualTo("{\"firing\":1}");
        assertThat(wakes.get()).isEqualTo(1);
    }

    @Test
    void theHandlerRefusesAWrongTokenAndWakesNothing() {
        AlertmanagerWebhook.Handler handler = AlertmanagerWebhook.handler(TOKEN.toCharArray(), wakeup, progress);

        AlertmanagerWebhook.Reply reply = handler.handle("Bearer not-the-token-at-all", FIRING.getBytes(StandardCharsets.UTF_8));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.json()).doesNotContain(TOKEN);
        assertThat(wakes.get()).isZero();
    }
}
