package io.releasepilot.engine.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.host.ProcessLauncher.HostFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host-file operations the launcher gives steps, on this machine. */
class LocalProcessLauncherFilesTest {

    @TempDir
    Path work;

    private final LocalProcessLauncher launcher = new LocalProcessLauncher();

    @Test
    void aNamedPrivateFileIsOwnerOnlyAndRemovedWhenClosed() throws Exception {
        Path file;
        try (HostFile written = launcher.writePrivateFile(work.toString(), "config.json", "{}".getBytes())) {
            file = Path.of(written.path());
            assertThat(file).isEqualTo(work.resolve("config.json")).hasContent("{}");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(file).doesNotExist();
    }

    @Test
    void aNamedPrivateFileMustStayInItsDirectory() {
        assertThatThrownBy(() -> launcher.writePrivateFile(work.resolve("sub").toString(), "../escape", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(work.resolve("escape")).doesNotExist();
    }

    @Test
    void resolveFollowsLinksAndSaysWhatIsThere() throws Exception {
        Path target = Files.writeString(work.resolve("real"), "x");
        Path link = Files.createSymbolicLink(work.resolve("link"), target);

        assertThat(launcher.resolve(link.toString())).hasValueSatisfying(p -> {
            assertThat(p.directory()).isFalse();
            assertThat(p.realPath()).endsWith("/real");
        });
        assertThat(launcher.resolve(work.resolve("nothing").toString())).isEmpty();
    }

    @Test
    void aDirectoryThatCanTakeFilesIsWritableAndTheProbeLeavesNothing(@TempDir Path dir) throws Exception {
        assertThat(launcher.isWritableDirectory(dir.toString())).isTrue();
        assertThat(launcher.list(dir.toString())).isEmpty();
    }

    @Test
    void aFileAMissingDirectoryAndAReadOnlyFileSystemAreNotWritableDirectories(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");

        assertThat(launcher.isWritableDirectory(file.toString())).isFalse();
        assertThat(launcher.isWritableDirectory(dir.resolve("missing").toString())).isFalse();
        assertThat(launcher.isWritableDirectory("/proc")).isFalse();
    }

    @Test
    void writeReplacesAWholeFileAndLeavesNoPartialFileBehind(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("manifest.json");
        Files.writeString(target, "old content that is longer");

        launcher.write(target.toString(), "new".getBytes());

        assertThat(target).hasContent("new");
        assertThat(launcher.list(dir.toString())).containsExactly("manifest.json");
    }

    @Test
    void deleteRemovesAFileAndIgnoresOneThatIsGone(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a.dump"), "x");

        launcher.delete(file.toString());
        launcher.delete(file.toString());

        assertThat(file).doesNotExist();
    }

    @Test
    void listGivesTheNamesInTheDirectorySorted(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b"), "");
        Files.writeString(dir.resolve("a"), "");

        assertThat(launcher.list(dir.toString())).containsExactly("a", "b");
    }
}
