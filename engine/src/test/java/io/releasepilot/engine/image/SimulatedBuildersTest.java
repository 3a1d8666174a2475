package io.releasepilot.engine.image;

import io.releasepilot.engine.testing.RecordingLauncher;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker and kaniko builders against the real registry, with SIMULATED docker and kaniko
 * programs: no Docker daemon or kaniko executor exists here, so two small scripts take their
 * command lines (and credentials: docker's --config directory, kaniko's DOCKER_CONFIG) and do the
 * work with the real buildah, answering as the real programs do (docker prints the pushed digest,
 * kaniko writes the digest file).
 */
class SimulatedBuildersTest {

    private static final String USER = "releaser";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    private static RegistryServer registry;

    @TempDir
    Path work;

    private BuildahStorage buildah;
    private AuditStore audit;
    private final RecordingLauncher launcher = new RecordingLauncher();

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
        audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:sim" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    @AfterEach
    void tearDown() {
        audit.close();
        buildah.close();
    }

    private String buildahCommand() {
        BuildahBuilder.Storage s = buildah.storage();
        return BuildahStorage.PROGRAM + " --root " + s.root() + " --runroot " + s.runRoot() + " --storage-driver " + s.driver();
    }

    private Path script(String name, String body) throws Exception {
        Path file = work.resolve("bin").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/bash\nset -euo pipefail\nBUILDAH=\"" + buildahCommand() + "\"\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    /** docker's CLI as far as the builder uses it: version, build, push (printing "TAG: digest: sha256:… size: N"). */
    private Path simulatedDocker() throws Exception {
        return script("docker", String.join("\n",
                "config=\"\"",
                "if [ \"$1\" = --config ]; then config=\"$2\"; shift 2; fi",
                "verb=\"$1\"; shift",
                "case \"$verb\" in",
                "  version) echo 24.0.7-simulated ;;",
                "  build) $BUILDAH bud --isolation chroot \"$@\" ;;",
                "  push)",
                "    tag=\"$1\"; d=$(mktemp)",
                "    auth=(); if [ -n \"$config\" ]; then auth=(--authfile \"$config/config.json\"); fi",
                "    $BUILDAH push \"${auth[@]}\" --tls-verify=false --digestfile \"$d\" \"$tag\" \"docker://$tag\"",
                "    echo \"${tag##*:}: digest: $(cat \"$d\") size: 1234\"; rm -f \"$d\" ;;",
                "  *) echo \"unknown command: $verb\" >&2; exit 2 ;;",
                "esac",
                ""));
    }

    /** kaniko's executor as far as the builder uses it: one process builds, pushes every destination, writes the digest file. */
    private Path simulatedKaniko() throws Exception {
        return script("executor", String.join("\n",
                "ctx=''; df=''; digest=''; dests=(); extra=(); push=1",
                "while [ $# -gt 0 ]; do case \"$1\" in",
                "  --context) ctx=\"${2#dir://}\"; shift 2 ;;",
                "  --dockerfile) df=\"$2\"; shift 2 ;;",
                "  --digest-file) digest=\"$2\"; shift 2 ;;",
                "  --destination) dests+=(\"$2\"); shift 2 ;;",
                "  --target|--build-arg|--label) extra+=(\"$1\" \"$2\"); shift 2 ;;",
                "  --insecure-registry|--skip-tls-verify-registry) shift 2 ;;",
                "  --no-push) push=0; shift ;;",
                "  *) echo \"error: unknown flag $1\" >&2; exit 2 ;;",
                "esac; done",
                "tags=(); for d in \"${dests[@]}\"; do tags+=(--tag \"$d\"); done",
                "$BUILDAH bud --isolation chroot --file \"$df\" \"${extra[@]}\" \"${tags[@]}\" \"$ctx\"",
                "if [ $push = 1 ]; then for d in \"${dests[@]}\"; do",
                "  $BUILDAH push --authfile \"$DOCKER_CONFIG/config.json\" --tls-verify=false --digestfile \"$digest\" \"$d\" \"docker://$d\"",
                "done; fi",
                ""));
    }

    private BuiltImage build(ImageBuilder builder, BuilderChoice choice, List<String> tags) throws InterruptedException {
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        BuildImage buildImage = new BuildImage(launcher, List.of(builder), new RegistryClient(Duration.ofSeconds(10)), EcrTokens.standard(),
                Clock.systemUTC());
        BuildRequest request = new BuildRequest(context.toString(), null, BuildRequest.tags(tags, true), Map.of("GREETING", "hej"), "base",
                Map.of(), choice, true, new RegistryCredentials(USER, PASSWORD.toCharArray(), "the test"), "cafe", null, null, null);
        return buildImage.run(request, audit, new Origin("t", "cli://t"), new ArrayList<String>()::add);
    }

    @Test
    void dockerPushesWithAPrivateConfigDirectoryAndItsReportedDigestIsConfirmed() throws Exception {
        // Given a (simulated) docker whose daemon answers
        DockerBuilder docker = new DockerBuilder(simulatedDocker().toString());

        // When two tags are built and pushed with it
        BuiltImage built = build(docker, BuilderChoice.DOCKER, List.of(registry.address() + "/sim/docker:1", registry.address() + "/sim/docker:2"));

        // Then the digest docker printed is the one the registry serves for both tags
        assertThat(built.builder()).isEqualTo("docker");
        assertThat(built.digest()).isEqualTo(registry.digestHeader("sim/docker", "1")).isEqualTo(registry.digestHeader("sim/docker", "2"));
        assertThat(registry.imageConfig("sim/docker", "1").path("config").path("Labels").path("greeting").asText()).isEqualTo("hej");
        // and the credentials went only through --config, never on a command line
        assertThat(launcher.requests).filteredOn(r -> r.command().contains("push"))
                .allSatisfy(r -> assertThat(r.command()).contains("--config"));
        assertThat(launcher.everythingPassedToProcesses()).noneMatch(s -> s.contains(PASSWORD));
    }

    @Test
    void kanikoPushesEveryDestinationWithDockerConfigAndItsDigestFileIsConfirmed() throws Exception {
        // Given a (simulated) kaniko executor
        KanikoBuilder kaniko = new KanikoBuilder(List.of(simulatedKaniko().toString()));

        // When two tags are built with builder auto
        BuiltImage built = build(kaniko, BuilderChoice.AUTO, List.of(registry.address() + "/sim/kaniko:1", registry.address() + "/sim/kaniko:latest"));

        // Then the digest file's digest is what the registry serves for both tags
        assertThat(built.builder()).isEqualTo("kaniko");
        assertThat(built.imageId()).isNull();
        assertThat(built.digest()).isEqualTo(registry.digestHeader("sim/kaniko", "1")).isEqualTo(registry.digestHeader("sim/kaniko", "latest"));
        // and the credentials reached kaniko only as DOCKER_CONFIG
        assertThat(launcher.requests).filteredOn(r -> r.command().get(0).endsWith("executor"))
                .singleElement().satisfies(r -> assertThat(r.environment()).containsKey("DOCKER_CONFIG"));
        assertThat(launcher.everythingPassedToProcesses()).noneMatch(s -> s.contains(PASSWORD));
    }
}
