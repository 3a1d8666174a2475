package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.sandbox.servers.LocalAlertmanager;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch against a real Prometheus and Alertmanager (Debian packages) scraping a metrics
 * target this test controls, with the rules below. Each test uses its own {@code service} label,
 * so the shared servers' alerts of one test never count in another. The rollback target is a
 * test double ({@link RecordingRollbackTarget}).
 */
class AlertWatchRealServersTest {

    static final String RULES = """
            groups:
              - name: canary
                rules:
                  - alert: HighErrorRate
                    expr: canary_error_ratio > 0.05
                    labels:
                      severity: critical
                  - alert: SlowAPIResponse
                    expr: canary_latency_seconds > 1
                    for: 1h
                    labels:
                      severity: warning
            """;

    @TempDir
    static Path serverDir;
    static MetricsTarget metrics;
    static LocalAlertmanager alertmanager;
    static LocalPrometheus prometheus;

    final RecordingRollbackTarget target = new RecordingRollbackTarget();
    final RecordingProgress progress = new RecordingProgress();
    AuditStore store;

    @BeforeAll
    static void startServers() {
        metrics = MetricsTarget.start();
        alertmanager = LocalAlertmanager.start(serverDir, null, null);
        prometheus = LocalPrometheus.start(serverDir, metrics, RULES, alertmanager.url());
    }

    @AfterAll
    static void stopServers() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (alertmanager != null) {
            alertmanager.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    @BeforeEach
    void openStore() {
        store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:alert" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static void errorRatio(String service, double value) {
        metrics.set("canary_error_ratio{service=\"" + service + "\",track=\"canary\"}", value);
    }

    static void awaitPrometheusState(String alert, String service, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> state.equals(prometheus.alertState(alert, "service", service)));
    }

    static AlertSelector select(List<String> names, String... matchers) {
        return AlertSelector.parse(names, List.of(matchers));
    }

    static WatchOptions options(Duration window, Duration interval, int failureLimit) {
        return new WatchOptions(window, interval, failureLimit, OnError.FAIL, WatchOptions.DEFAULT_ERROR_LIMIT);
    }

    TestWatch watch(AlertSource source, WatchOptions options) {
        return watch(source, options, progress);
    }

    TestWatch watch(AlertSource source, WatchOptions options, RecordingProgress lines) {
        return new TestWatch(new AlertWatch(store, new Origin("tester", "cli://test"), lines),
                new WatchRequest(source, options, new WatchSubject(null, "PROD", "shop", "web"), target), lines);
    }

    List<AuditRecord> alertRecords() {
        return store.list(new AuditFilter(null, null, AuditAction.ALERT_FIRED, null, 100));
    }

    static PrometheusAlerts prometheusAlerts(AlertSelector selector) {
        return PrometheusAlerts.of(prometheus.url().toString(), selector, Duration.ofSeconds(2));
    }

    @Nested
    class PrometheusSource {

        @Test
        void firingMatchingAlertSetsTrafficToZeroThenRollsBackAndFailsNamingTheAlert() {
            errorRatio("checkout", 0.5);
            awaitPrometheusState("HighErrorRate", "checkout", "firing");

            TestWatch w = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"checkout\"")),
                    options(Duration.ofSeconds(30), Duration.ofMillis(200), 2));

            assertThatThrownBy(w::watch)
                    .isInstanceOf(DeploymentFailedException.class)
                    .hasMessageStartingWith("rolled back shop/web: alert HighErrorRate{instance=\"" + metrics.address() + "\", job=\"canary\", "
                            + "service=\"checkout\", severity=\"critical\", track=\"canary\"} firing since ")
                    .hasMessageContaining("(value 5e-01)");
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
            assertThat(target.rollbackReason).startsWith("alert HighErrorRate{instance=").contains("service=\"checkout\"");
        }

        @Test
        void firingAlertIsAuditedWithItsNameLabelsValueAndSince() {
            errorRatio("basket", 0.25);
            awaitPrometheusState("HighErrorRate", "basket", "firing");
            Instant activeAt = Instant.parse(firingAlert("HighErrorRate", "basket").path("activeAt").asText());

            TestWatch w = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"basket\"")),
                    options(Duration.ofSeconds(30), Duration.ofMillis(200), 1));

            assertThatThrownBy(w::watch).isInstanceOf(DeploymentFailedException.class);
            List<AuditRecord> records = alertRecords();
            assertThat(records).hasSize(1);
            var event = records.get(0).event();
            assertThat(event.service()).isEqualTo("web");
            assertThat(event.environment()).isEqualTo("PROD");
            assertThat(event.namespace()).isEqualTo("shop");
            assertThat(event.target()).isEqualTo("deployment/web");
            assertThat(event.details()).containsEntry("alert", "HighErrorRate")
                    .containsEntry("labels", "{instance=\"" + metrics.address() + "\", job=\"canary\", service=\"basket\", severity=\"critical\", track=\"canary\"}")
                    .containsEntry("value", "2.5e-01")
                    .containsEntry("since", activeAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }

        @Test
        void alertOfAnotherServiceDoesNotCount() throws Exception {
            errorRatio("search", 0.5);
            awaitPrometheusState("HighErrorRate", "search", "firing");

            WatchReport report = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"catalog\"")),
                    options(Duration.ofMillis(1500), Duration.ofMillis(300), 1)).watch();

            assertThat(target.calls).isEmpty();
            assertThat(report.observations()).isGreaterThanOrEqualTo(5);
            assertThat(report.sourceErrors()).isZero();
        }

        @Test
        void pendingAlertDoesNotCount() throws Exception {
            metrics.set("canary_latency_seconds{service=\"payments\",track=\"canary\"}", 3);
            awaitPrometheusState("SlowAPIResponse", "payments", "pending");

            watch(prometheusAlerts(select(List.of("SlowAPIResponse"), "service=\"payments\"")),
                    options(Duration.ofMillis(1500), Duration.ofMillis(300), 1)).watch();

            assertThat(target.calls).isEmpty();
            assertThat(alertRecords()).isEmpty();
        }

        @Test
        void alertResolvedBeforeTheFailureLimitDoesNotRollBack() throws Exception {
            AtomicBoolean resolved = new AtomicBoolean();
            RecordingProgress lines = new RecordingProgress(line -> {
                if (line.contains("firing since") && resolved.compareAndSet(false, true)) {
                    errorRatio("ledger", 0.0);
                }
            });
            errorRatio("ledger", 0.5);
            awaitPrometheusState("HighErrorRate", "ledger", "firing");

            watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"ledger\"")),
                    options(Duration.ofSeconds(10), Duration.ofMillis(300), 25), lines).watch();

            assertThat(target.calls).isEmpty();
            assertThat(lines.text()).contains("no selected alert firing any more after");
        }

        @Test
        void alertThatStartsFiringDuringTheWatchRollsBack() {
            errorRatio("orders", 0.0);
            RecordingProgress lines = new RecordingProgress(line -> {
                if (line.contains("watching prometheus")) {
                    errorRatio("orders", 0.9);
                }
            });

            TestWatch w = watch(prometheusAlerts(select(List.of(), "alertname=~\"High.*\"", "service=\"orders\"")),
                    options(Duration.ofSeconds(30), Duration.ofMillis(200), 1), lines);

            assertThatThrownBy(w::watch).isInstanceOf(DeploymentFailedException.class).hasMessageContaining("HighErrorRate");
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
        }

        JsonNode firingAlert(String name, String service) {
            for (JsonNode a : prometheus.alerts()) {
                if (name.equals(a.path("labels").path("alertname").asText()) && service.equals(a.path("labels").path("service").asText())) {
                    return a;
                }
            }
            throw new AssertionError("no alert " + name + " for " + service);
        }
    }

    @Nested
    class AlertmanagerSource {

        AlertmanagerAlerts source(String... matchers) {
            return AlertmanagerAlerts.of(alertmanager.url().toString(), select(List.of(), matchers), Duration.ofSeconds(2));
        }

        void awaitInAlertmanager(String service, String state) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                for (JsonNode a : alertmanager.alerts()) {
                    if (service.equals(a.path("labels").path("service").asText()) && state.equals(a.path("status").path("state").asText())) {
                        return true;
                    }
                }
                return false;
            });
        }

        @Test
        void firingAlertSelectedByMatchersRollsBack() {
            errorRatio("inventory", 0.5);
            awaitInAlertmanager("inventory", "active");

            TestWatch w = watch(source("service=\"inventory\"", "severity=~\"crit.*\"", "track!=stable"),
                    options(Duration.ofSeconds(30), Duration.ofMillis(200), 1));

            assertThatThrownBy(w::watch).isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("service=\"inventory\", severity=\"critical\", track=\"canary\"} firing since");
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
        }

        @Test
        void alertExcludedByANegativeRegexMatcherDoesNotCount() throws Exception {
            errorRatio("shipping", 0.5);
            awaitInAlertmanager("shipping", "active");

            watch(source("service=\"shipping\"", "track!~\"can.*\""), options(Duration.ofMillis(1500), Duration.ofMillis(300), 1)).watch();

            assertThat(target.calls).isEmpty();
        }

        @Test
        void silencedAlertDoesNotCount() throws Exception {
            alertmanager.silence("service", "billing");
            errorRatio("billing", 0.5);
            awaitInAlertmanager("billing", "suppressed");

            WatchReport report = watch(source("service=\"billing\""), options(Duration.ofMillis(1500), Duration.ofMillis(300), 1)).watch();

            assertThat(target.calls).isEmpty();
            assertThat(report.sourceErrors()).isZero();
        }
    }

    @Nested
    class PromQlSource {

        PromQlCondition condition(String query, String threshold) {
            return PromQlCondition.of(prometheus.url().toString(), query, Threshold.parse("threshold", threshold), select(List.of()),
                    Duration.ofSeconds(2));
        }

        @Test
        void sampleBreachingTheThresholdRollsBackNamingTheCondition() {
            errorRatio("reviews", 0.3);
            await().atMost(Duration.ofSeconds(30)).until(() -> prometheus.alertState("HighErrorRate", "service", "reviews") != null);

            TestWatch w = watch(condition("max(canary_error_ratio{service=\"reviews\"})", ">=0.2"),
                    options(Duration.ofSeconds(30), Duration.ofMillis(200), 2));

            assertThatThrownBy(w::watch).isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("alert max(canary_error_ratio{service=\"reviews\"}) >= 0.2 firing since")
                    .hasMessageContaining("(value 0.3)");
        }

        @Test
        void sampleOnTheRightSideOfTheThresholdDoesNotCount() throws Exception {
            errorRatio("ratings", 0.3);
            await().atMost(Duration.ofSeconds(30)).until(() -> prometheus.alertState("HighErrorRate", "service", "ratings") != null);

            watch(condition("max(canary_error_ratio{service=\"ratings\"})", "<0.2"), options(Duration.ofMillis(1000), Duration.ofMillis(250), 1))
                    .watch();

            assertThat(target.calls).isEmpty();
        }

        @Test
        void expressionPrometheusRejectsIsInvalidInputWithPrometheusWords() {
            PromQlCondition broken = condition("sum(rate(http_requests_total[5m]", ">1");

            assertThatThrownBy(broken::check).isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("invalid promql: 'sum(rate(http_requests_total[5m]' (expected an expression Prometheus accepts; it said: ")
                    .hasMessageContaining("parse error");
        }

        @Test
        void rangeVectorExpressionIsInvalidInput() {
            assertThatThrownBy(condition("canary_error_ratio[1m]", ">1")::check).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("an instant vector or a scalar (this one gives a matrix)");
        }

        @Test
        void rejectedExpressionEndsTheWatchBeforeAnyObservation() {
            TestWatch w = watch(condition("rate(", ">1"), options(Duration.ofSeconds(5), Duration.ofMillis(200), 1));

            assertThatThrownBy(w::watch).isInstanceOf(InvalidInputException.class);
            assertThat(target.calls).isEmpty();
        }
    }

    @Nested
    class SourceDown {

        PrometheusAlerts nobodyListening() {
            return PrometheusAlerts.of("http://127.0.0.1:" + FreePorts.next(), select(List.of("HighErrorRate")), Duration.ofSeconds(1));
        }

        WatchOptions onError(OnError policy) {
            return options(Duration.ofSeconds(3), Duration.ofMillis(100), 1).withOnError(policy).withErrorLimit(3);
        }

        @Test
        void onErrorFailStopsAfterTheErrorLimitLeavingTheCanaryAlone() {
            TestWatch w = watch(nobodyListening(), onError(OnError.FAIL));

            assertThatThrownBy(w::watch).isInstanceOf(EnvironmentException.class)
                    .hasMessageContaining("failed 3 observations in a row")
                    .hasMessageContaining("GET http://127.0.0.1:");
            assertThat(target.calls).isEmpty();
            assertThat(progress.text()).contains("observation failed (1/3 in a row)", "observation failed (3/3 in a row)");
        }

        @Test
        void onErrorRollbackSetsTrafficToZeroAndRollsBack() {
            TestWatch w = watch(nobodyListening(), onError(OnError.ROLLBACK));

            assertThatThrownBy(w::watch).isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("the alert source failed 3 observations in a row and on-error is rollback");
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
            assertThat(alertRecords()).isEmpty();
        }

        @Test
        void onErrorIgnoreWatchesOnUntilTheWindowEnds() throws Exception {
            WatchReport report = watch(nobodyListening(), onError(OnError.IGNORE).withWindow(Duration.ofSeconds(1))).watch();

            assertThat(target.calls).isEmpty();
            assertThat(report.observations()).isGreaterThan(3);
            assertThat(report.sourceErrors()).isEqualTo(report.observations());
            assertThat(progress.text()).contains("on-error ignore: watching on");
        }
    }

    @Nested
    class GuardMode {

        @TempDir
        Path dir;

        @Test
        void firingAlertStopsTheBodyBeforeRollingBack() throws Exception {
            errorRatio("profile", 0.0);
            Path pidFile = dir.resolve("pid");
            Thread firer = new Thread(() -> {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
                errorRatio("profile", 0.8);
            });
            firer.start();
            TestWatch w = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"profile\"")),
                    options(Duration.ofSeconds(60), Duration.ofMillis(200), 1));

            assertThatThrownBy(() -> w.guard(new LocalProcessLauncher(),
                    List.of("/bin/sh", "-c", "echo $$ > " + pidFile + "; exec sleep 120")))
                    .isInstanceOf(DeploymentFailedException.class).hasMessageContaining("HighErrorRate");
            firer.join();

            long pid = Long.parseLong(Files.readString(pidFile).strip());
            // the launcher sends SIGKILL to the process tree; the kernel and the JDK's reaper finish it a moment later
            await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
            assertThat(progress.text()).contains("stopped `/bin/sh -c echo $$ > ");
        }

        @Test
        void expressionPrometheusRejectsStopsTheGuardBeforeTheBodyRuns() {
            Path marker = dir.resolve("ran");
            TestWatch w = watch(PromQlCondition.of(prometheus.url().toString(), "rate(", Threshold.parse("threshold", ">1"),
                    select(List.of()), Duration.ofSeconds(2)), options(Duration.ofSeconds(30), Duration.ofMillis(200), 1));

            assertThatThrownBy(() -> w.guard(new LocalProcessLauncher(), List.of("/bin/sh", "-c", "touch " + marker)))
                    .isInstanceOf(InvalidInputException.class);
            assertThat(marker).doesNotExist();
        }

        @Test
        void bodyThatEndsWithoutAnAlertEndsTheWatchQuietly() throws Exception {
            WatchReport report = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"quiet\"")),
                    options(Duration.ofSeconds(60), Duration.ofMillis(200), 1))
                    .guard(new LocalProcessLauncher(), List.of("/bin/sh", "-c", "echo smoke ok; sleep 1"));

            assertThat(report.bodyResult()).isEqualTo(0);
            assertThat(target.calls).isEmpty();
            assertThat(progress.lines).contains("smoke ok");
        }

        @Test
        void bodyThatFailsWithoutAnAlertFailsWithoutRollingBack() {
            TestWatch w = watch(prometheusAlerts(select(List.of("HighErrorRate"), "service=\"quiet\"")),
                    options(Duration.ofSeconds(60), Duration.ofMillis(200), 1));

            assertThatThrownBy(() -> w.guard(new LocalProcessLauncher(), List.of("/bin/sh", "-c", "echo smoke broke; exit 3")))
                    .isInstanceOf(DeploymentFailedException.class)
                    .hasMessageContaining("failed with exit code 3 while no alert fired; nothing was rolled back")
                    .hasMessageContaining("smoke broke");
            assertThat(target.calls).isEmpty();
        }
    }
}
