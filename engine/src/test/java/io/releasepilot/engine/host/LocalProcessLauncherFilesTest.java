package io.releasepilot.engine.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host-file operations the launcher gives steps (dbSnapshot's output directory), on this machine. */
class LocalProcessLauncherFilesTest {

    private final LocalProcessLauncher launcher = new LocalProcessLauncher();

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
