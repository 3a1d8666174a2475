package io.releasepilot.engine.image;

import io.releasepilot.engine.testing.RecordingLauncher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** buildImage with a real buildah (private vfs store per test) and a real registry with htpasswd auth. */
class BuildImageTest {

    private static final String USER = "releaser";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final Origin ORIGIN = new Origin("tester", "cli://test");

    private static RegistryServer registry;

    @TempDir
    Path work;

    private BuildahStorage buildah;
    private AuditStore audit;
    private RecordingLauncher launcher;
    private final List<String> console = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startRegistry() {
        registry = RegistryServer.start(USER, PASSWORD);
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void setUp() {
        buildah = BuildahStorage.create();
        audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:img" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
        launcher = new RecordingLauncher();
    }

    @AfterEach
    void tearDown() {
        audit.close();
        buildah.close();
    }

    private BuildImage buildImage(List<ImageBuilder> builders) {
        return new BuildImage(launcher, builders, new RegistryClient(Duration.ofSeconds(10)), EcrTokens.standard(), Clock.systemUTC());
    }

    private BuildImage buildImage() {
        return buildImage(List.of(buildah.builder()));
    }

    private RegistryCredentials credentials(String password) {
        return new RegistryCredentials(USER, password.toCharArray(), "the test");
    }

    private BuildRequest request(Path context, List<String> tags, Map<String, String> args, String target, Map<String, String> labels,
                                 RegistryCredentials credentials) {
        return new BuildRequest(context.toString(), null, BuildRequest.tags(tags, true), args, target, labels, BuilderChoice.AUTO,
                true, credentials, "0123456789abcdef0123456789abcdef01234567", "https://git.example.com/shop/web.git", null, null);
    }

    private String ref(String repositoryAndTag) {
        return registry.address() + "/" + repositoryAndTag;
    }

    @Test
    void buildsPushesAndReturnsTheDigestTheRegistryServes() throws Exception {
        // Given a context with a Dockerfile FROM scratch
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When it is built and pushed
        BuiltImage built = buildImage().run(request(context, List.of(ref("shop/web:1.0.0")), Map.of(), null, Map.of(), credentials(PASSWORD)),
                audit, ORIGIN, console::add);

        // Then the result is the digest reference the registry serves for the tag
        String served = RegistryClient.sha256(registry.manifest("shop/web", "1.0.0"));
        assertThat(built.digest()).isEqualTo(served).isEqualTo(registry.digestHeader("shop/web", "1.0.0"));
        assertThat(built.digestReference()).isEqualTo(registry.address() + "/shop/web@" + served);
        assertThat(built.builder()).isEqualTo("buildah");
        assertThat(console).anyMatch(l -> l.contains("registry " + registry.address() + " confirms " + ref("shop/web:1.0.0")));
    }

    @Test
    void everyTagResolvesToTheOneDigest() throws Exception {
        // Given three tags in two repositories of one registry
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        List<String> tags = List.of(ref("shop/api:2.1.0"), ref("shop/api:latest"), ref("mirror/api:2.1.0"));

        // When built and pushed
        BuiltImage built = buildImage().run(request(context, tags, Map.of(), null, Map.of(), credentials(PASSWORD)), audit, ORIGIN, console::add);

        // Then each tag resolves to the returned digest
        assertThat(RegistryClient.sha256(registry.manifest("shop/api", "2.1.0"))).isEqualTo(built.digest());
        assertThat(RegistryClient.sha256(registry.manifest("shop/api", "latest"))).isEqualTo(built.digest());
        assertThat(RegistryClient.sha256(registry.manifest("mirror/api", "2.1.0"))).isEqualTo(built.digest());
        assertThat(built.tags()).extracting(ImageReference::toString).containsExactlyElementsOf(tags);
    }

    @Test
    void buildArgumentsAndTheTargetStageShapeTheImage() throws Exception {
        // Given a two-stage Dockerfile whose first stage labels a build argument
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When the first stage is built with the argument set
        buildImage().run(request(context, List.of(ref("shop/stage:1")), Map.of("GREETING", "bonjour"), "base", Map.of(), credentials(PASSWORD)),
                audit, ORIGIN, console::add);

        // Then the pushed image is that stage, with the argument's value
        JsonNode labels = registry.imageConfig("shop/stage", "1").path("config").path("Labels");
        assertThat(labels.path("stage").asText()).isEqualTo("base");
        assertThat(labels.path("greeting").asText()).isEqualTo("bonjour");
    }

    @Test
    void ociLabelsArePresentInThePushedConfig() throws Exception {
        // Given a build with a label of the user's own
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When built and pushed
        buildImage().run(request(context, List.of(ref("shop/labels:1")), Map.of(), null, Map.of("team", "payments"), credentials(PASSWORD)),
                audit, ORIGIN, console::add);

        // Then the pushed configuration carries the OCI revision, source and creation time, and the user's label
        JsonNode labels = registry.imageConfig("shop/labels", "1").path("config").path("Labels");
        assertThat(labels.path(BuildImage.LABEL_REVISION).asText()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        assertThat(labels.path(BuildImage.LABEL_SOURCE).asText()).isEqualTo("https://git.example.com/shop/web.git");
        assertThat(labels.path(BuildImage.LABEL_CREATED).asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
        assertThat(labels.path("team").asText()).isEqualTo("payments");
        assertThat(labels.path("stage").asText()).isEqualTo("final");
    }

    @Test
    void imageBuiltIsRecordedWithDigestTagsBuilderDurationAndRevision() throws Exception {
        // Given a context
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When built and pushed
        BuiltImage built = buildImage().run(request(context, List.of(ref("shop/web:3.0.0"), ref("shop/web:stable")), Map.of(), null, Map.of(),
                credentials(PASSWORD)), audit, ORIGIN, console::add);

        // Then one IMAGE_BUILT record names all of it
        List<AuditRecord> records = audit.list(new AuditFilter(null, null, AuditAction.IMAGE_BUILT, null, 10));
        assertThat(records).hasSize(1);
        var event = records.get(0).event();
        assertThat(event.service()).isEqualTo("web");
        assertThat(event.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(event.image()).isEqualTo(built.digestReference());
        assertThat(event.release()).isEqualTo("3.0.0");
        assertThat(event.details()).containsEntry("digest", built.digest())
                .containsEntry("tags", ref("shop/web:3.0.0") + ", " + ref("shop/web:stable"))
                .containsEntry("builder", "buildah")
                .containsEntry("revision", "0123456789abcdef0123456789abcdef01234567")
                .containsKey("duration");
    }

    @Test
    void wrongCredentialsNameTheRegistryAndSayTheyWereRejected() {
        // Given a wrong password
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When a build is asked for
        EnvironmentException e = catchThrowableOfType(EnvironmentException.class, () -> buildImage().run(
                request(context, List.of(ref("shop/web:1")), Map.of(), null, Map.of(), credentials("not-" + PASSWORD)), audit, ORIGIN, console::add));

        // Then the message names the registry and the user and says the credentials were rejected, before building
        assertThat(e).hasMessageContaining("registry " + registry.address() + " rejected the credentials of user '" + USER + "'");
        assertThat(launcher.requests).noneMatch(r -> r.command().contains("bud"));
        assertThat(e.exitCode()).isEqualTo(3);
    }

    @Test
    void aPushWithoutCredentialsToAProtectedRegistrySaysTheRegistryRefusedIt() {
        // Given no credentials for a registry that needs them
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);

        // When built and pushed
        EnvironmentException e = catchThrowableOfType(EnvironmentException.class, () -> buildImage().run(
                request(context, List.of(ref("shop/web:1")), Map.of(), null, Map.of(), null), audit, ORIGIN, console::add));

        // Then the message names the registry, the tag and the missing credentials, with buildah's own words
        assertThat(e).hasMessageContaining("registry " + registry.address() + " refused the push of " + ref("shop/web:1") + " without credentials")
                .hasMessageContaining("authentication required");
    }

    @Test
    void aDockerfileErrorReachesThePersonInTheBuildersWords() {
        // Given a Dockerfile that copies a file the context does not have
        Path context = BusyboxContext.write(work.resolve("ctx"), "FROM scratch\nCOPY no-such-file /x\n");

        // When built
        DeploymentFailedException e = catchThrowableOfType(DeploymentFailedException.class, () -> buildImage().run(
                request(context, List.of(ref("shop/web:1")), Map.of(), null, Map.of(), credentials(PASSWORD)), audit, ORIGIN, console::add));

        // Then buildah's message is in the error, and the failure is recorded
        assertThat(e).hasMessageContaining("buildah could not build " + context.resolve("Dockerfile"))
                .hasMessageContaining("no-such-file");
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.IMAGE_BUILT, null, 10)))
                .singleElement().satisfies(r -> assertThat(r.event().outcome()).isEqualTo(Outcome.FAILED));
        // and the credentials file is gone although the build failed
        assertThat(launcher.privateFiles).isNotEmpty().allSatisfy(f -> assertThat(Path.of(f.path())).doesNotExist());
    }

    @Test
    void withoutPushTheImageIsBuiltLocallyAndNoRegistryIsContacted() throws Exception {
        // Given a tag without registry and no push
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        BuildRequest request = new BuildRequest(context.toString(), null, BuildRequest.tags(List.of("shop/local:1"), false), Map.of(), null,
                Map.of(), BuilderChoice.BUILDAH, false, null, "abc", null, null, null);

        // When built
        BuiltImage built = buildImage().run(request, audit, ORIGIN, console::add);

        // Then there is a local image id and no digest, nothing was pushed, and the record says so
        assertThat(built.digestReference()).isNull();
        assertThat(built.imageId()).matches("(sha256:)?[0-9a-f]{64}");
        assertThat(launcher.requests).noneMatch(r -> r.command().contains("push"));
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.IMAGE_BUILT, null, 10))).singleElement()
                .satisfies(r -> assertThat(r.event().details()).containsEntry("pushed", "false").containsEntry("imageId", built.imageId()));
    }

    @Test
    void withNoBuilderAvailableTheErrorListsWhatWasTried() throws Exception {
        // Given a host where buildah and the kaniko executor are not installed and the docker client finds no daemon
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        BuildImage noBuilders = buildImage(List.of(new BuildahBuilder(work.resolve("absent/buildah").toString(), null),
                new DockerBuilder(dockerClientWithoutDaemon().toString()), new KanikoBuilder(List.of(work.resolve("absent/executor").toString()))));

        // When a build with builder auto is asked for
        // Then every builder is named with the reason it could not be used, and nothing is recorded
        assertThatThrownBy(() -> noBuilders.run(request(context, List.of(ref("shop/web:1")), Map.of(), null, Map.of(), credentials(PASSWORD)),
                audit, ORIGIN, console::add))
                .isInstanceOf(EnvironmentException.class)
                .hasMessage("no image builder works on this host; tried buildah: " + work.resolve("absent/buildah") + " not found; "
                        + "docker: no Docker daemon answered (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                        + "Is the docker daemon running?); kaniko: the kaniko executor was not found (looked for " + work.resolve("absent/executor") + ")");
        assertThat(audit.list(new AuditFilter(null, null, null, null, 10))).as("nothing was built, nothing is recorded").isEmpty();
    }

    /** A SIMULATED docker client on a host without a daemon: it answers `docker version` as the real client then does. */
    private Path dockerClientWithoutDaemon() throws Exception {
        Path docker = work.resolve("bin/docker");
        Files.createDirectories(docker.getParent());
        Files.writeString(docker, "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n");
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwx------"));
        return docker;
    }

    @Test
    void secretsAreAbsentFromOutputArgumentsAuditAndErrors() throws Exception {
        // Given a good build and a build with a wrong password
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        String wrong = "wrong-" + UUID.randomUUID();
        buildImage().run(request(context, List.of(ref("shop/secret:1")), Map.of(), null, Map.of(), credentials(PASSWORD)), audit, ORIGIN, console::add);
        Throwable rejected = catchThrowableOfType(EnvironmentException.class, () -> buildImage().run(
                request(context, List.of(ref("shop/secret:2")), Map.of(), null, Map.of(), credentials(wrong)), audit, ORIGIN, console::add));

        // When everything a person or a log could see is gathered
        List<String> seen = new ArrayList<>(console);
        seen.add(rejected.getMessage());
        seen.addAll(launcher.everythingPassedToProcesses());
        audit.list(new AuditFilter(null, null, null, null, 100)).forEach(r -> seen.add(CanonicalJson.withHash(r)));

        // Then neither password nor its encoded form appears anywhere
        for (String secret : List.of(PASSWORD, wrong, basic(PASSWORD), basic(wrong))) {
            assertThat(seen).noneMatch(s -> s.contains(secret));
        }
        // and the credentials were only in a private auth file that is gone now
        assertThat(launcher.privateFiles).isNotEmpty().allSatisfy(f -> {
            assertThat(f.mode()).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(Files.exists(Path.of(f.path()))).isFalse();
        });
        assertThat(launcher.privateFiles.get(0).content()).contains(basic(PASSWORD));
    }

    private static String basic(String password) {
        return Base64.getEncoder().encodeToString((USER + ":" + password).getBytes());
    }
}
