package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.RegistryServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildImageCommandTest {

    @TempDir
    Path work;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("--audit-store", work.resolve("store").toString(), "build-image"));
        all.addAll(List.of(args));
        return ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private Path context() {
        return BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
    }

    private void assertRefusedBeforeAnything(int exit, String message) {
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains(message);
        assertThat(work.resolve("store")).doesNotExist();
    }

    @Test
    void anUpperCaseRepositoryExitsTwoNamingTheValue() {
        int exit = run("--context", context().toString(), "--tag", "registry.example.com/Shop/Web:1");

        assertRefusedBeforeAnything(exit, "invalid tag: 'registry.example.com/Shop/Web:1' (expected a lower-case repository");
    }

    @Test
    void aBadTagExitsTwoNamingTheValue() {
        int exit = run("--context", context().toString(), "--tag", "registry.example.com/web:.hidden");

        assertRefusedBeforeAnything(exit, "invalid tag: 'registry.example.com/web:.hidden' (expected a tag of 1-128");
    }

    @Test
    void aTagWithoutRegistryExitsTwoWhenPushing() {
        int exit = run("--context", context().toString(), "--tag", "web:1");

        assertRefusedBeforeAnything(exit, "invalid tag: 'web:1' (expected a reference that names the registry to push to");
    }

    @Test
    void aContextThatDoesNotExistExitsTwo() {
        String missing = work.resolve("missing").toString();

        int exit = run("--context", missing, "--tag", "registry.example.com/web:1");

        assertRefusedBeforeAnything(exit, "invalid context: '" + missing + "'");
    }

    @Test
    void aDockerfileOutsideTheContextExitsTwo() throws IOException {
        Path outside = Files.writeString(work.resolve("Dockerfile.other"), "FROM scratch\n");

        int exit = run("--context", context().toString(), "--file", outside.toString(), "--tag", "registry.example.com/web:1");

        assertRefusedBeforeAnything(exit, "invalid file: '" + outside + "' (expected a Dockerfile inside the context directory");
    }

    @Test
    void duplicateTagsExitTwo() {
        int exit = run("--context", context().toString(), "--tag", "registry.example.com/web:1", "--tag", "registry.example.com/web:1");

        assertRefusedBeforeAnything(exit, "invalid tag: 'registry.example.com/web:1' (expected each tag once");
    }

    @Test
    void anUnknownBuilderExitsTwo() {
        int exit = run("--context", context().toString(), "--tag", "registry.example.com/web:1", "--builder", "podman");

        assertRefusedBeforeAnything(exit, "invalid builder: 'podman' (expected one of auto, buildah, docker, kaniko)");
    }

    @Test
    void aPasswordFileWithoutUserNameExitsTwo() throws IOException {
        Path password = Files.writeString(work.resolve("pw"), "secret\n");

        int exit = run("--context", context().toString(), "--tag", "registry.example.com/web:1", "--registry-password-file", password.toString());

        assertRefusedBeforeAnything(exit, "invalid registry-username: nothing");
    }

    @Test
    void aMissingPasswordFileExitsTwo() {
        String missing = work.resolve("no-pw").toString();

        int exit = run("--context", context().toString(), "--tag", "registry.example.com/web:1",
                "--registry-username", "ci", "--registry-password-file", missing);

        assertRefusedBeforeAnything(exit, "invalid registry-password-file: '" + missing + "'");
    }

    /** The CLI as a separate process, so its environment (password, buildah store) is its own. */
    private static ProcessOutcome cli(Path storageConf, Map<String, String> environment, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReleasePilotCommand.class.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("CONTAINERS_STORAGE_CONF", storageConf.toString());
        pb.environment().remove(BuildImageCommand.ENV_PASSWORD);
        pb.environment().remove("GIT_COMMIT");
        pb.environment().remove("GIT_URL");
        pb.environment().putAll(environment);
        Process p = pb.start();
        p.getOutputStream().close();
        var stderr = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                stderr.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                stderr.completeExceptionally(e);
            }
        });
        t.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new ProcessOutcome(p.exitValue(), stdout, stderr.get(1, TimeUnit.MINUTES));
    }

    private record ProcessOutcome(int exit, String out, String err) {
    }

    @Test
    void buildsPushesAndPrintsTheConfirmedDigestReference() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        try (RegistryServer registry = RegistryServer.start("ci", password); BuildahStorage buildah = BuildahStorage.create()) {
            // Given a password in a file and two tags
            Path passwordFile = Files.writeString(work.resolve("registry-password"), password + "\n");
            String tag = registry.address() + "/shop/web:1.0.0";

            // When build-image runs
            ProcessOutcome outcome = cli(buildah.storageConf(), Map.of("GIT_COMMIT", "feedface"), List.of(
                    "--audit-store", work.resolve("store").toString(), "--actor", "ci-bot",
                    "build-image", "--context", context().toString(), "--tag", tag, "--tag", registry.address() + "/shop/web:latest",
                    "--label", "team=payments", "--registry-username", "ci", "--registry-password-file", passwordFile.toString()));

            // Then it prints only the digest reference the registry serves, and says which builder it used
            assertThat(outcome.exit()).as(outcome.err()).isZero();
            String digest = registry.digestHeader("shop/web", "1.0.0");
            assertThat(outcome.out().strip()).isEqualTo(registry.address() + "/shop/web@" + digest);
            assertThat(outcome.err()).contains("[buildImage] builder buildah").doesNotContain(password);
            assertThat(registry.imageConfig("shop/web", "latest").path("config").path("Labels")
                    .path("org.opencontainers.image.revision").asText()).isEqualTo("feedface");
        }
    }

    @Test
    void wrongCredentialsFromTheEnvironmentExitThreeNamingTheRegistry() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        try (RegistryServer registry = RegistryServer.start("ci", "pw-" + UUID.randomUUID()); BuildahStorage buildah = BuildahStorage.create()) {
            // Given a wrong password in the environment
            // When build-image runs
            ProcessOutcome outcome = cli(buildah.storageConf(), Map.of(BuildImageCommand.ENV_PASSWORD, wrong), List.of(
                    "--audit-store", work.resolve("store").toString(),
                    "build-image", "--context", context().toString(), "--tag", registry.address() + "/shop/web:1", "--registry-username", "ci"));

            // Then it exits 3 naming the registry and the rejected credentials, and never shows the password
            assertThat(outcome.exit()).as(outcome.err()).isEqualTo(3);
            assertThat(outcome.err()).contains("error: registry " + registry.address() + " rejected the credentials of user 'ci' (from env "
                    + BuildImageCommand.ENV_PASSWORD + ")");
            assertThat(outcome.out() + outcome.err()).doesNotContain(wrong);
        }
    }
}
