package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.CheckpointKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default checkpoint key lives in its own private directory, apart from the store it protects. */
class DefaultSigningKeyTest {

    @TempDir
    Path home;

    private String realHome;

    @BeforeEach
    void fakeHome() {
        realHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
    }

    @AfterEach
    void restoreHome() {
        System.setProperty("user.home", realHome);
    }

    private CliRun recordInDefaultStore() {
        return CliRun.of("audit", "record", "--action", "NOTE", "--service", "web", "--environment", "INT", "--reason", "x");
    }

    @Test
    void theDefaultKeyIsMadePrivateInItsOwnDirectoryNotBesideTheStore() throws Exception {
        CliRun run = recordInDefaultStore();

        Path keyDir = home.resolve(".config/release-pilot");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir.resolve("checkpoint-key.pem")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir))).isEqualTo("rwx------");
        assertThat(home.resolve(".release-pilot/audit.db")).exists();
        try (var inStore = Files.list(home.resolve(".release-pilot"))) {
            assertThat(inStore.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains("key"));
        }
    }

    @Test
    void aKeyLeftBesideTheStoreByAnEarlierVersionIsMovedSoItsCheckpointsStillVerify() throws Exception {
        Path legacy = home.resolve(".release-pilot/checkpoint-key.pem");
        Files.createDirectories(legacy.getParent());
        var pair = CheckpointKeys.generate();
        CheckpointKeys.write(pair, legacy, home.resolve(".release-pilot/checkpoint-key.pub.pem"));

        CliRun run = recordInDefaultStore();

        Path moved = home.resolve(".config/release-pilot/checkpoint-key.pem");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("moved the checkpoint signing key from " + legacy + " to " + moved);
        assertThat(legacy).doesNotExist();
        assertThat(CheckpointKeys.keyId(CheckpointKeys.publicOf(CheckpointKeys.readPrivate("k", moved))))
                .isEqualTo(CheckpointKeys.keyId(pair.getPublic()));
    }
}
