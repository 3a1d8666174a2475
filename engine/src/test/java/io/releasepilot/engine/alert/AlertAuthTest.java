package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.sandbox.servers.AuthCheckingProxy;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus reached with the host's secrets: a real Prometheus behind an auth-checking proxy
 * (the sandbox's AuthCheckingProxy, as an authenticating ingress would stand in front of it), over http
 * and over https with a private CA made by keytool for the test.
 */
class AlertAuthTest {

    static final String TOKEN = "s3cr3t-bearer-" + UUID.randomUUID();
    static final String PASSWORD = "pw-" + UUID.randomUUID();
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

    final RecordingRollbackTarget target = new RecordingRollbackTarget();
    final RecordingProgress progress = new RecordingProgress();
    AuditStore store;

    @BeforeAll
    static void startServers() {
        metrics = MetricsTarget.start();
        prometheus = LocalPrometheus.start(serverDir, metrics, RULES, null);
    }

    @AfterAll
    static void stopServers() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    @BeforeEach
    void openStore() {
        store = AuditStores.open(new AuditStores.Config(serverDir.resolve("audit-" + UUID.randomUUID()).toString()));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    TestWatch watch(String url, String service, AlertAccess access, WatchOptions options) {
        PrometheusAlerts source = PrometheusAlerts.of(url, AlertSelector.parse(List.of("HighErrorRate"), List.of("service=\"" + service + "\"")),
                Duration.ofSeconds(2), access);
        return new TestWatch(new AlertWatch(store, new Origin("tester", "cli://test"), progress),
                new WatchRequest(source, options, new WatchSubject(null, "PROD", "shop", "web"), target), progress);
    }

    static WatchOptions quick(Duration window) {
        return new WatchOptions(window, Duration.ofMillis(200), 1, OnError.FAIL, 2);
    }

    /** Everything the watch wrote that a person or a later process can read. */
    String everythingWritten(TestWatch watch, Throwable thrown) {
        StringBuilder all = new StringBuilder(progress.text()).append('\n').append(thrown == null ? "" : thrown.toString());
        for (AuditRecord r : store.after(0, 1000)) {
            all.append('\n').append(CanonicalJson.withHash(r));
        }
        all.append('\n').append(store.actState().load(watch.run).orElse(""));
        return all.append('\n').append(watch.request).toString();
    }

    @Test
    void aBearerTokenReachesPrometheusAndAnAlertBehindItRollsBack() {
        metrics.set("canary_error_ratio{service=\"bearer\"}", 0.5);
        await().atMost(Duration.ofSeconds(30)).until(() -> "firing".equals(prometheus.alertState("HighErrorRate", "service", "bearer")));
        try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), "Bearer " + TOKEN)) {
            TestWatch w = watch(proxy.url().toString(), "bearer", AlertAccess.of(HttpAuth.bearer(TOKEN.toCharArray())),
                    quick(Duration.ofSeconds(30)));

            Throwable thrown = catchThrowable(w::watch);

            assertThat(thrown).isInstanceOf(DeploymentFailedException.class).hasMessageContaining("HighErrorRate");
            assertThat(proxy.authorizations).isNotEmpty().allMatch(("Bearer " + TOKEN)::equals);
            assertThat(everythingWritten(w, thrown)).doesNotContain(TOKEN);
        }
    }

    @Test
    void aWrongTokenIsAFailedObservationNamingTheAuthButNeverTheToken() {
        try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), "Bearer the-right-one")) {
            TestWatch w = watch(proxy.url().toString(), "wrong", AlertAccess.of(HttpAuth.bearer(TOKEN.toCharArray())),
                    quick(Duration.ofSeconds(30)));

            Throwable thrown = catchThrowable(w::watch);

            assertThat(thrown).isInstanceOf(EnvironmentException.class)
                    .hasMessageContaining("answered HTTP 401 with bearer token (hidden)");
            assertThat(target.calls).isEmpty();
            assertThat(everythingWritten(w, thrown)).doesNotContain(TOKEN);
        }
    }

    @Test
    void basicAuthIsSentAsUserColonPasswordAndNeverShown() throws Exception {
        String expected = "Basic " + Base64.getEncoder().encodeToString(("watcher:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        try (AuthCheckingProxy proxy = AuthCheckingProxy.http(prometheus.url(), expected)) {
            TestWatch w = watch(proxy.url().toString(), "basic",
                    AlertAccess.of(HttpAuth.parseBasic(("watcher:" + PASSWORD + "\n").toCharArray())), quick(Duration.ofMillis(800)));

            WatchReport report = w.watch();

            assertThat(report.sourceErrors()).isZero();
            assertThat(proxy.authorizations).isNotEmpty().allMatch(expected::equals);
            assertThat(everythingWritten(w, null)).doesNotContain(PASSWORD).doesNotContain(expected);
        }
    }

    @Test
    void httpsWithAPrivateCaIsTrustedOnlyWhenItsCertificateIsGiven() throws Exception {
        Path keystore = serverDir.resolve("proxy-" + UUID.randomUUID() + ".p12");
        Path caPem = serverDir.resolve("proxy-ca-" + UUID.randomUUID() + ".pem");
        keytool("-genkeypair", "-alias", "proxy", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "proxy", "-keystore", keystore.toString(), "-storepass", "changeit", "-file", caPem.toString());
        try (AuthCheckingProxy proxy = AuthCheckingProxy.https(prometheus.url(), "Bearer " + TOKEN, serverTls(keystore))) {
            AlertAccess withoutCa = AlertAccess.of(HttpAuth.bearer(TOKEN.toCharArray()));
            AlertAccess withCa = withoutCa.withCaCertificates(Files.readAllBytes(caPem));

            WatchReport trusted = watch(proxy.url().toString(), "tls", withCa, quick(Duration.ofMillis(800))).watch();
            Throwable untrusted = catchThrowable(
                    () -> watch(proxy.url().toString(), "tls", withoutCa, quick(Duration.ofSeconds(30))).watch());

            assertThat(trusted.sourceErrors()).isZero();
            assertThat(untrusted).isInstanceOf(EnvironmentException.class).hasMessageContaining("SSLHandshakeException");
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
    }

    private static SSLContext serverTls(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }
}
