package io.releasepilot.engine.image;

import io.releasepilot.engine.testing.RecordingLauncher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input is refused before anything is built or contacted. */
class BuildRequestTest {

    @TempDir
    Path work;

    private final RecordingLauncher launcher = new RecordingLauncher();

    private BuildRequest request(String context, String dockerfile, List<String> tags) {
        return new BuildRequest(context, dockerfile, BuildRequest.tags(tags, true), Map.of(), null, Map.of(), BuilderChoice.AUTO, true,
                null, null, null, null, null);
    }

    private void run(BuildRequest request) throws InterruptedException {
        BuildImage buildImage = new BuildImage(launcher, List.of(new BuildahBuilder()), new RegistryClient(Duration.ofSeconds(1)),
                EcrTokens.standard(), Clock.systemUTC());
        try (AuditStore audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:req" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"))) {
            buildImage.run(request, audit, new Origin("t", "cli://t"), line -> { });
        }
    }

    @Test
    void aTagGivenTwiceIsRefused() {
        assertThatThrownBy(() -> request(work.toString(), null, List.of("registry.example.com/web:1", "registry.example.com/web:1")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid tag: 'registry.example.com/web:1' (expected each tag once (it was given twice))");
    }

    @Test
    void aTagWithoutItsTagAndTheSameWithLatestAreTheSameTag() {
        assertThatThrownBy(() -> request(work.toString(), null, List.of("registry.example.com/web", "registry.example.com/web:latest")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'registry.example.com/web:latest'");
    }

    @Test
    void atLeastOneTagIsNeeded() {
        assertThatThrownBy(() -> request(work.toString(), null, List.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid tag: nothing");
    }

    @Test
    void aBuildArgumentNeedsANameAndAValue() {
        assertThatThrownBy(() -> BuildRequest.pairs("build-arg", List.of("=x"), BuildRequest.BUILD_ARG_FORM))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid build-arg: '=x' (expected " + BuildRequest.BUILD_ARG_FORM + ")");
    }

    @Test
    void aContextThatDoesNotExistIsRefusedBeforeAnythingRuns() {
        String missing = work.resolve("no-such-dir").toString();

        assertThatThrownBy(() -> run(request(missing, null, List.of("127.0.0.1:1/web:1"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid context: '" + missing + "' (expected an existing directory on the host that builds)");
        assertThat(launcher.requests).isEmpty();
    }

    @Test
    void aDockerfileOutsideTheContextIsRefusedBeforeAnythingRuns() throws Exception {
        Path context = Files.createDirectories(work.resolve("ctx"));
        Path outside = Files.writeString(work.resolve("Dockerfile"), "FROM scratch\n");

        assertThatThrownBy(() -> run(request(context.toString(), outside.toString(), List.of("127.0.0.1:1/web:1"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid file: '" + outside + "' (expected a Dockerfile inside the context directory " + context.toRealPath() + ")");
        assertThat(launcher.requests).isEmpty();
    }

    @Test
    void aDockerfileLinkedFromInsideTheContextToOutsideIsRefused() throws Exception {
        Path context = Files.createDirectories(work.resolve("ctx"));
        Path outside = Files.writeString(work.resolve("Dockerfile.real"), "FROM scratch\n");
        Files.createSymbolicLink(context.resolve("Dockerfile"), outside);

        assertThatThrownBy(() -> run(request(context.toString(), null, List.of("127.0.0.1:1/web:1"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected a Dockerfile inside the context directory");
    }

    @Test
    void aContextWithoutADockerfileIsRefused() throws Exception {
        Path context = Files.createDirectories(work.resolve("ctx"));

        assertThatThrownBy(() -> run(request(context.toString(), null, List.of("127.0.0.1:1/web:1"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("(there is no such file)");
    }

    @Test
    void theLocalLauncherResolvesRealPaths() throws Exception {
        Path context = Files.createDirectories(work.resolve("ctx"));
        String real = context.toRealPath().toString();

        assertThat(new LocalProcessLauncher().resolve(context.toString())).hasValueSatisfying(p -> {
            assertThat(p.directory()).isTrue();
            assertThat(p.realPath()).isEqualTo(real);
        });
    }
}
