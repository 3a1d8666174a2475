package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.testing.FreePorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code release-pilot rollback-on-alert} against a real Prometheus scraping a target the test
 * controls; the Kubernetes side is a test double ({@link RecordingRollbackTargets}).
 */
class RollbackOnAlertCommandTest {

    static final String RULES = """
            groups:
              - name: canary
                rules:
                  - alert: HighErrorRate
                    expr: canary_error_ratio > 0.05
            """;

    @TempDir
    static Path serverDir;
    static MetricsTarget metrics;
    static LocalPrometheus prometheus;

    @TempDir
    Path storeDir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeAll
    static void startPrometheus() {
        metrics = MetricsTarget.start();
        prometheus = LocalPrometheus.start(serverDir, metrics, RULES, null);
    }

    @AfterAll
    static void stopPrometheus() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    @BeforeEach
    void forgetCalls() {
        RecordingRollbackTargets.CALLS.clear();
    }

    @TempDir
    static Path keyDir;

    @BeforeAll
    static void signingKey() throws Exception {
        // a key of the test's own, so no test writes the default one under ~/.release-pilot
        CheckpointKeys.write(CheckpointKeys.generate(), keyDir.resolve("key.pem"), keyDir.resolve("key.pub.pem"));
    }

    int run(String... args) {
        List<String> all = new ArrayList<>(List.of("--audit-store", storeDir.resolve("store").toString(), "--actor", "tester",
                "--signing-key", keyDir.resolve("key.pem").toString()));
        all.addAll(List.of(args));
        return ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Nested
    class Watching {

        @Test
        void firingAlertExitsOneNamingTheAlertAfterTrafficWentToZeroAndTheRollback() {
            metrics.set("canary_error_ratio{service=\"web\",track=\"canary\"}", 0.4);
            await().atMost(Duration.ofSeconds(30)).until(() -> "firing".equals(prometheus.alertState("HighErrorRate", "service", "web")));

            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--prometheus", prometheus.url().toString(),
                    "--alert", "HighErrorRate", "--matcher", "service=\"web\"", "--interval", "200ms", "--window", "30s");

            assertThat(exit).isEqualTo(1);
            assertThat(err.toString()).contains("error: rolled back shop/web: alert HighErrorRate{").contains("firing since 20")
                    .containsPattern("audit head: seq \\d+ sha256:[0-9a-f]{64}");
            assertThat(RecordingRollbackTargets.CALLS).containsExactly("open shop/web", "zeroTraffic",
                    RecordingRollbackTargets.CALLS.get(2), "close");
            assertThat(RecordingRollbackTargets.CALLS.get(2)).startsWith("rollBack alert HighErrorRate{");
            try (AuditStore store = AuditStores.open(new AuditStores.Config(storeDir.resolve("store").toString()))) {
                List<AuditRecord> fired = store.list(new AuditFilter("web", null, AuditAction.ALERT_FIRED, null, 10));
                assertThat(fired).hasSize(1);
                assertThat(fired.get(0).actor()).isEqualTo("tester");
            }
        }

        @Test
        void quietWindowExitsZeroAndSaysSo() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", prometheus.url().toString(),
                    "--matcher", "service=\"api\"", "--interval", "200ms", "--window", "1s");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("[rollbackOnAlert] shop/api: watching prometheus").contains("no alert fired for shop/api");
            assertThat(RecordingRollbackTargets.CALLS).containsExactly("open shop/api", "close");
        }

        @Test
        void unreachableSourceWithOnErrorFailExitsThree() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--alertmanager",
                    "http://127.0.0.1:" + FreePorts.next(), "--alert", "HighErrorRate", "--interval", "100ms", "--window", "10s");

            assertThat(exit).isEqualTo(3);
            assertThat(err.toString()).contains("failed 3 observations in a row");
            assertThat(RecordingRollbackTargets.CALLS).doesNotContain("zeroTraffic");
        }

        @Test
        void guardedCommandRunsWhileWatchingAndItsExitCodeIsReported() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", prometheus.url().toString(),
                    "--matcher", "service=\"api\"", "--interval", "200ms", "--output", "json", "--", "/bin/sh", "-c", "echo smoke passed");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(err.toString()).contains("smoke passed");
            assertThat(out.toString()).contains("\"rolledBack\":false").contains("\"commandExitCode\":0");
        }

        @Test
        void promQlTheServerRejectsExitsTwoWithItsMessage() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", prometheus.url().toString(),
                    "--promql", "sum(rate(x[5m]", "--threshold", ">1");

            assertThat(exit).isEqualTo(2);
            assertThat(err.toString()).contains("invalid promql: 'sum(rate(x[5m]' (expected an expression Prometheus accepts; it said: ");
            assertThat(RecordingRollbackTargets.CALLS).doesNotContain("zeroTraffic");
        }
    }

    @Nested
    class BadInput {

        void assertRefusedBeforeAnything(int exit, String message) {
            assertThat(exit).isEqualTo(2);
            assertThat(err.toString()).contains(message);
            assertThat(RecordingRollbackTargets.CALLS).as("nothing opened").isEmpty();
            assertThat(Files.exists(storeDir.resolve("store"))).as("store not opened").isFalse();
        }

        @Test
        void noSource() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X"),
                    "invalid source: nothing (expected exactly one source: --prometheus URL, --alertmanager URL");
        }

        @Test
        void twoSources() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--alertmanager", "http://a:9093"), "invalid source: '--prometheus and --alertmanager'");
        }

        @Test
        void unparseableUrl() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--alertmanager", "am:9093"), "invalid alertmanager: 'am:9093' (expected an http or https URL");
        }

        @Test
        void unparseableMatcher() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090", "--matcher", "track=~\"(canary\""), "invalid matcher: 'track=~\"(canary\"'");
        }

        @Test
        void unparseableDuration() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--window", "ten minutes"), "invalid window: 'ten minutes'");
        }

        @Test
        void failureLimitBelowOne() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--failure-limit", "0"), "invalid failure-limit: '0' (expected a whole number of at least 1");
        }

        @Test
        void unknownOnErrorPolicy() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--on-error", "retry"), "invalid on-error: 'retry' (expected fail, rollback or ignore)");
        }

        @Test
        void promQlWithoutThreshold() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090", "--promql", "up"), "invalid threshold: nothing");
        }

        @Test
        void unscopedPrometheusWatch() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090"), "so only the canary's alerts count");
        }

        @Test
        void missingKubeconfig() {
            assertRefusedBeforeAnything(run("--kubeconfig", storeDir.resolve("no-such-kubeconfig").toString(), "rollback-on-alert",
                    "--namespace", "shop", "--deployment", "web", "--alert", "X", "--prometheus", "http://p:9090"),
                    "invalid kubeconfig: '" + storeDir.resolve("no-such-kubeconfig") + "' (expected a readable kubeconfig file)");
        }

        @Test
        void badNamespace() {
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "Shop_1", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090"), "invalid namespace: 'Shop_1'");
        }
    }
}
