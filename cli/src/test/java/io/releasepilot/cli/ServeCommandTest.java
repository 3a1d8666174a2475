package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.testing.FreePorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {

    private static final String TOKEN = "a-long-enough-bearer-token-42";

    @TempDir
    Path dir;

    private Path store;
    private Path signingKey;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void keys() throws Exception {
        store = dir.resolve("store");
        signingKey = dir.resolve("key.pem");
        CheckpointKeys.write(CheckpointKeys.generate(), signingKey, dir.resolve("key.pub.pem"));
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("--audit-store", store.toString(), "--signing-key", signingKey.toString()));
        all.addAll(List.of(args));
        return ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private Path tokenFile(String content) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void aNonLoopbackBindWithoutATokenFileIsRefusedBeforeAnythingIsOpened() {
        int code = run("serve", "--bind", "0.0.0.0", "--port", "0");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("error: invalid bind: '0.0.0.0' (expected a loopback address such as 127.0.0.1 or ::1; "
                + "any other address also needs --token-file");
        assertThat(store).doesNotExist();
    }

    @Test
    void aTooShortTokenIsRefusedWithoutShowingIt() throws Exception {
        Path file = tokenFile("short-secret\n");

        int code = run("serve", "--bind", "0.0.0.0", "--token-file", file.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("invalid token-file: '" + file + "'").doesNotContain("short-secret");
        assertThat(out.toString()).doesNotContain("short-secret");
    }

    @Test
    void aMissingTokenFileIsRefused() {
        int code = run("serve", "--token-file", dir.resolve("nothing-here").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("invalid token-file");
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        int code = run("serve", "--port", "70000");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("error: invalid port: '70000' (expected a TCP port from 1 to 65535 (0: any free port))");
    }

    @Test
    void anUnresolvableBindAddressIsRefused() {
        int code = run("serve", "--bind", "no such host!");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("invalid bind: 'no such host!'");
    }

    @Test
    void aPortInUseIsAnEnvironmentErrorNamingTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int code = run("serve", "--port", String.valueOf(taken.getLocalPort()));

            assertThat(code).isEqualTo(3);
            assertThat(err.toString()).contains("error: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void servesOnLoopbackByDefaultUntilInterrupted() throws Exception {
        int port = FreePorts.next();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread serving = new Thread(() -> exit.set(run("serve", "--port", String.valueOf(port))));
        serving.start();
        try {
            HttpResponse<String> summary = awaitAnswer(URI.create("http://127.0.0.1:" + port + "/api/v1/summary"), null);

            assertThat(summary.statusCode()).isEqualTo(200);
            assertThat(out.toString()).contains("[serve] dashboard at http://127.0.0.1:" + port + "/");
        } finally {
            serving.interrupt();
            serving.join(10_000);
        }
        assertThat(exit.get()).isZero();
        assertThat(out.toString()).contains("[serve] stopped");
    }

    @Test
    void aWildcardBindWithATokenFileServesOnlyThoseWhoSendTheToken() throws Exception {
        Path file = tokenFile(TOKEN + "\n");
        int port = FreePorts.next();
        Thread serving = new Thread(() -> run("serve", "--bind", "0.0.0.0", "--port", String.valueOf(port),
                "--token-file", file.toString()));
        serving.start();
        try {
            URI summary = URI.create("http://127.0.0.1:" + port + "/api/v1/summary");
            HttpResponse<String> without = awaitAnswer(summary, null);
            HttpResponse<String> with = awaitAnswer(summary, TOKEN);

            assertThat(without.statusCode()).isEqualTo(401);
            assertThat(with.statusCode()).isEqualTo(200);
            assertThat(out.toString() + err.toString()).doesNotContain(TOKEN);
        } finally {
            serving.interrupt();
            serving.join(10_000);
        }
    }

    private static HttpResponse<String> awaitAnswer(URI uri, String token) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(ConnectException.class)
                .until(() -> http.send(request.build(), HttpResponse.BodyHandlers.ofString()), r -> r != null);
    }
}
