package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.releasepilot.sandbox.servers.AuthCheckingProxy;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.testing.FreePorts;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code release-pilot rollback-on-alert} against a real Prometheus scraping a target the test
 * controls; the Kubernetes side is a simulated cluster reached through a kubeconfig, as a user's
 * cluster would be.
 */
class RollbackOnAlertCommandTest {

    static final String V1 = "registry.example.com/web@sha256:" + "a".repeat(64);
    static final String V2 = "registry.example.com/web@sha256:" + "b".repeat(64);

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

    static SimulatedCluster cluster;
    static Path kubeconfig;

    @BeforeAll
    static void startPrometheusAndCluster() throws Exception {
        metrics = MetricsTarget.start();
        prometheus = LocalPrometheus.start(serverDir, metrics, RULES, null);
        cluster = new SimulatedCluster("shop");
        // The quiet watches watch "api"; the firing one makes "web" with a canary of its own.
        cluster.createApp("api", V1, 1);
        kubeconfig = serverDir.resolve("kubeconfig");
        cluster.writeKubeconfig(kubeconfig, "shop");
    }

    @AfterAll
    static void stopPrometheusAndCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (metrics != null) {
            metrics.close();
        }
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
        if (!List.of(args).contains("--kubeconfig")) {
            all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
        }
        all.addAll(List.of(args));
        return ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Nested
    class Watching {

        @Test
        void firingAlertExitsOneNamingTheAlertAfterTrafficWentToZeroAndTheRollback() {
            cluster.createApp("web", V1, 4);
            assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--weight", "25")).as(err.toString())
                    .isZero();
            metrics.set("canary_error_ratio{service=\"web\",track=\"canary\"}", 0.4);
            await().atMost(Duration.ofSeconds(30)).until(() -> "firing".equals(prometheus.alertState("HighErrorRate", "service", "web")));

            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--prometheus", prometheus.url().toString(),
                    "--alert", "HighErrorRate", "--matcher", "service=\"web\"", "--interval", "200ms", "--window", "30s");

            assertThat(exit).isEqualTo(1);
            assertThat(err.toString()).contains("error: rolled back shop/web: alert HighErrorRate{").contains("firing since 20")
                    .containsPattern("audit head: seq \\d+ sha256:[0-9a-f]{64}");
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).as("canary removed").isNull();
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web").get().getSpec().getReplicas()).isEqualTo(4);
            try (AuditStore store = AuditStores.open(new AuditStores.Config(storeDir.resolve("store").toString()))) {
                List<AuditRecord> fired = store.list(new AuditFilter("web", null, AuditAction.ALERT_FIRED, null, 10));
                assertThat(fired).hasSize(1);
                assertThat(fired.get(0).actor()).isEqualTo("tester");
                assertThat(store.list(new AuditFilter("web", null, AuditAction.TRAFFIC_ZEROED, null, 10))).hasSize(1);
                List<AuditRecord> rolledBack = store.list(new AuditFilter("web", null, AuditAction.ROLLED_BACK, null, 10));
                assertThat(rolledBack).hasSize(1);
                assertThat(rolledBack.get(0).event().reason()).startsWith("alert HighErrorRate{");
            }
        }

        @Test
        void quietWindowExitsZeroAndSaysSo() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", prometheus.url().toString(),
                    "--matcher", "service=\"api\"", "--interval", "200ms", "--window", "1s");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("[rollbackOnAlert] shop/api: watching prometheus").contains("no alert fired for shop/api");
        }

        @Test
        void unreachableSourceWithOnErrorFailExitsThree() {
            int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--alertmanager",
                    "http://127.0.0.1:" + FreePorts.next(), "--alert", "HighErrorRate", "--interval", "100ms", "--window", "10s");

            assertThat(exit).isEqualTo(3);
            assertThat(err.toString()).contains("failed 3 observations in a row");
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
        }
    }

    @Nested
    class Auth {

        static final String TOKEN = "cli-token-0123456789abcdef";

        @Test
        void theTokenFileIsSentAsTheBearerTokenAndNeverPrinted() throws Exception {
            Path tokenFile = Files.writeString(storeDir.resolve("prometheus.token"), TOKEN + "\n");
            try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), "Bearer " + TOKEN)) {
                int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", proxy.url().toString(),
                        "--prometheus-token-file", tokenFile.toString(), "--alert", "HighErrorRate", "--matcher", "service=\"api\"",
                        "--interval", "200ms", "--window", "1s");

                assertThat(exit).as(err.toString()).isZero();
                assertThat(proxy.authorizations).isNotEmpty().allMatch(("Bearer " + TOKEN)::equals);
            }
            assertThat(out.toString() + err).contains("no alert fired for shop/api").doesNotContain(TOKEN);
        }

        @Test
        void theTokenInTheEnvironmentIsUsedWhenNoFileIsGiven() throws Exception {
            try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), "Bearer " + TOKEN)) {
                List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), ReleasePilotCommand.class.getName(),
                        "--audit-store", storeDir.resolve("store").toString(), "--signing-key", keyDir.resolve("key.pem").toString(),
                        "--kubeconfig", kubeconfig.toString(),
                        "rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", proxy.url().toString(),
                        "--alert", "HighErrorRate", "--matcher", "service=\"api\"", "--interval", "200ms", "--window", "1s"));
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                pb.environment().put(RollbackOnAlertCommand.ENV_ALERT_TOKEN, TOKEN);
                Process p = pb.start();
                String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

                assertThat(p.waitFor()).as(output).isZero();
                assertThat(proxy.authorizations).isNotEmpty().allMatch(("Bearer " + TOKEN)::equals);
                assertThat(output).contains("no alert fired for shop/api").doesNotContain(TOKEN);
            }
        }

        @Test
        void theBasicAuthFileIsSentAsUserAndPassword() throws Exception {
            Path basicFile = Files.writeString(storeDir.resolve("basic"), "watcher:" + TOKEN + "\n");
            String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(("watcher:" + TOKEN).getBytes());
            try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), expected)) {
                int exit = run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", proxy.url().toString(),
                        "--alert-basic-auth-file", basicFile.toString(), "--alert", "HighErrorRate", "--matcher", "service=\"api\"",
                        "--interval", "200ms", "--window", "1s");

                assertThat(exit).as(err.toString()).isZero();
                assertThat(proxy.authorizations).isNotEmpty().allMatch(expected::equals);
            }
            assertThat(out.toString() + err).doesNotContain(TOKEN);
        }
    }

    @Nested
    class BadInput {

        void assertRefusedBeforeAnything(int exit, String message, long requestsBefore) {
            assertThat(exit).isEqualTo(2);
            assertThat(err.toString()).contains(message);
            assertThat(cluster.dispatcher().requests()).as("cluster not contacted").isEqualTo(requestsBefore);
            assertThat(Files.exists(storeDir.resolve("store"))).as("store not opened").isFalse();
        }

        @Test
        void noSource() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X"),
                    "invalid source: nothing (expected exactly one source: --prometheus URL, --alertmanager URL", before);
        }

        @Test
        void twoSources() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--alertmanager", "http://a:9093"), "invalid source: '--prometheus and --alertmanager'", before);
        }

        @Test
        void unparseableUrl() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--alertmanager", "am:9093"), "invalid alertmanager: 'am:9093' (expected an http or https URL", before);
        }

        @Test
        void unparseableMatcher() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090", "--matcher", "track=~\"(canary\""), "invalid matcher: 'track=~\"(canary\"'", before);
        }

        @Test
        void unparseableDuration() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--window", "ten minutes"), "invalid window: 'ten minutes'", before);
        }

        @Test
        void failureLimitBelowOne() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--failure-limit", "0"), "invalid failure-limit: '0' (expected a whole number of at least 1", before);
        }

        @Test
        void unknownOnErrorPolicy() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--on-error", "retry"), "invalid on-error: 'retry' (expected fail, rollback or ignore)", before);
        }

        @Test
        void promQlWithoutThreshold() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090", "--promql", "up"), "invalid threshold: nothing", before);
        }

        @Test
        void unscopedPrometheusWatch() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--prometheus", "http://p:9090"), "so only the canary's alerts count", before);
        }

        @Test
        void missingKubeconfig() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("--kubeconfig", storeDir.resolve("no-such-kubeconfig").toString(), "rollback-on-alert",
                    "--namespace", "shop", "--deployment", "web", "--alert", "X", "--prometheus", "http://p:9090"),
                    "invalid kubeconfig: '" + storeDir.resolve("no-such-kubeconfig") + "' (expected a readable kubeconfig file)", before);
        }

        @Test
        void badNamespace() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "Shop_1", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090"), "invalid namespace: 'Shop_1'", before);
        }

        @Test
        void missingTokenFile() {
            long before = cluster.dispatcher().requests();
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--prometheus-token-file", storeDir.resolve("nope").toString()),
                    "invalid prometheus-token-file: '" + storeDir.resolve("nope") + "' (expected a readable file", before);
        }

        @Test
        void tokenFileForAServerNotWatched() throws Exception {
            long before = cluster.dispatcher().requests();
            Path tokenFile = Files.writeString(storeDir.resolve("am.token"), "secret-never-shown");
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--alertmanager-token-file", tokenFile.toString()),
                    "no --alertmanager-token-file without --alertmanager", before);
            assertThat(err.toString()).doesNotContain("secret-never-shown");
        }

        @Test
        void tokenAndBasicAuthTogether() throws Exception {
            long before = cluster.dispatcher().requests();
            Path tokenFile = Files.writeString(storeDir.resolve("t"), "secret-never-shown");
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "http://p:9090", "--alert-token-file", tokenFile.toString(), "--alert-basic-auth-file", tokenFile.toString()),
                    "one of --prometheus-token-file, --alertmanager-token-file, --alert-token-file or --alert-basic-auth-file", before);
            assertThat(err.toString()).doesNotContain("secret-never-shown");
        }

        @Test
        void caFileThatIsNoCertificate() throws Exception {
            long before = cluster.dispatcher().requests();
            Path ca = Files.writeString(storeDir.resolve("ca.pem"), "not a certificate");
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web", "--alert", "X",
                    "--prometheus", "https://p:9090", "--alert-ca-file", ca.toString()), "invalid alert-ca-file", before);
        }

        @Test
        void authFlagsWithCloudWatch() throws Exception {
            long before = cluster.dispatcher().requests();
            Path tokenFile = Files.writeString(storeDir.resolve("t"), "secret-never-shown");
            assertRefusedBeforeAnything(run("rollback-on-alert", "--namespace", "shop", "--deployment", "web",
                    "--cloudwatch-alarm", "web-5xx", "--alert-token-file", tokenFile.toString()), "CloudWatch uses AWS credentials", before);
        }
    }
}
