package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.sandbox.servers.LocalAlertmanager;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push mode against a real Alertmanager: its webhook wakes a watch whose next poll is ten minutes
 * away; the alert reaches Alertmanager only after the watch's first observation, so only the
 * push can make it roll back within the test's lifetime.
 */
class PushModeTest {

    static final String TOKEN = "push-mode-token-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void alertPushedByAlertmanagerRollsBackWithoutWaitingForThePoll() throws Exception {
        RecordingRollbackTarget target = new RecordingRollbackTarget();
        Wakeup wakeup = new Wakeup();
        String alert = """
                [{"labels":{"alertname":"HighErrorRate","service":"web","track":"canary"},"startsAt":"%s"}]
                """.formatted(Instant.now().minusSeconds(5));
        try (AuditStore store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:push" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
             RecordingWebhook hook = new RecordingWebhook(wakeup);
             LocalAlertmanager alertmanager = LocalAlertmanager.start(dir, hook.webhook.url(), TOKEN.toCharArray())) {
            RecordingProgress progress = hook.progress;
            AlertSource alertmanagerAlerts = AlertmanagerAlerts.of(alertmanager.url().toString(),
                    AlertSelector.parse(List.of("HighErrorRate"), List.of("track=\"canary\"")), Duration.ofSeconds(2));
            CountDownLatch firstObservationAnswered = new CountDownLatch(1);
            AlertSource source = new AlertSource() {
                @Override
                public String describe() {
                    return alertmanagerAlerts.describe();
                }

                @Override
                public List<FiringAlert> firing() throws AlertSourceException {
                    try {
                        return alertmanagerAlerts.firing();
                    } finally {
                        firstObservationAnswered.countDown();
                    }
                }
            };
            Thread pusher = new Thread(() -> {
                try {
                    firstObservationAnswered.await();
                    alertmanager.post(alert);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            pusher.start();
            TestWatch watch = new TestWatch(new AlertWatch(store, new Origin("tester", "cli://test"), progress).withWakeup(wakeup),
                    new WatchRequest(source, new WatchOptions(Duration.ofMinutes(10), Duration.ofMinutes(10), 1, OnError.FAIL, 3),
                            new WatchSubject(null, null, "shop", "web"), target), progress);

            assertThatThrownBy(watch::watch).isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("alert HighErrorRate{service=\"web\", track=\"canary\"} firing since");
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
            pusher.join();
            String lines = progress.text();
            assertThat(lines).doesNotContain(TOKEN);
            assertThat(lines.indexOf("Alertmanager pushed 1 firing alert(s)")).as("the push came before the firing observation")
                    .isNotNegative().isLessThan(lines.indexOf("firing since"));
        }
    }

    /** The receiver, started before Alertmanager so its URL can go into Alertmanager's config. */
    private static final class RecordingWebhook implements AutoCloseable {
        final RecordingProgress progress = new RecordingProgress();
        final AlertmanagerWebhook webhook;

        RecordingWebhook(Wakeup wakeup) {
            webhook = AlertmanagerWebhook.startOnLoopback(0, TOKEN.toCharArray(), wakeup, progress);
        }

        @Override
        public void close() {
            webhook.close();
        }
    }
}
