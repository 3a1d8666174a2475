package io.releasepilot.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.host.LocalProcessLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The revision and source labels asked of a real git when the host did not give them. */
class SourceRevisionTest {

    @TempDir
    Path work;

    private final LocalProcessLauncher launcher = new LocalProcessLauncher();

    private void git(String... args) throws Exception {
        assertThat(launcher.isExecutable("git")).as("git is missing: install the Debian package 'git'").isTrue();
        List<String> command = new ArrayList<>(List.of("git", "-C", work.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", command) + "\n" + out).isTrue();
    }

    @Test
    void aContextInAGitWorkTreeGivesItsCommitAndItsRemoteWithoutUserInfo() throws Exception {
        // Given a git work tree whose remote URL carries a user and token
        git("init", "-q");
        Files.writeString(work.resolve("Dockerfile"), "FROM scratch\n");
        git("add", "Dockerfile");
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first");
        git("remote", "add", "origin", "https://ci-bot:ghp_token123@git.example.com/shop/web.git");

        // When the revision and source are asked for
        String revision = SourceRevision.revision(launcher, work.toString());
        String source = SourceRevision.source(launcher, work.toString());

        // Then they are the commit and the URL without its credentials
        assertThat(revision).matches("[0-9a-f]{40}");
        assertThat(source).isEqualTo("https://git.example.com/shop/web.git");
    }

    @Test
    void aContextOutsideAnyWorkTreeGivesNothing() throws Exception {
        Path plain = Files.createDirectories(Path.of("/tmp").resolve("rp-nogit-" + System.nanoTime()));
        try {
            assertThat(SourceRevision.revision(launcher, plain.toString())).isNull();
            assertThat(SourceRevision.source(launcher, plain.toString())).isNull();
        } finally {
            Files.delete(plain);
        }
    }
}
