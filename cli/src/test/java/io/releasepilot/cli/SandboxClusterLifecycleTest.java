package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code release-pilot sandbox cluster} starts, refuses bad input and stops. */
class SandboxClusterLifecycleTest {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheClusterAfterClosingItAndRemovesTheReadyFile() throws Exception {
        // Given a running sandbox cluster
        Path ready = dir.resolve("ready");
        Process cluster = SandboxClusterCommandTest.startCluster(dir, dir.resolve("kubeconfig"), ready);
        assertThat(Files.readString(ready)).matches("http://127\\.0\\.0\\.1:[0-9]+\\n");
        assertThat(Files.readString(dir.resolve("kubeconfig"))).contains("server: " + Files.readString(ready).strip());

        // When it gets SIGTERM
        cluster.destroy();

        // Then it closes the API and stops (143: the JVM's exit code after SIGTERM), and the ready
        // file is gone, so no script mistakes it for a live one
        assertThat(cluster.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(cluster.exitValue()).isEqualTo(143);
        assertThat(ready).doesNotExist();
        assertThat(Files.readString(dir.resolve("cluster.log"))).contains("[sandbox cluster] stopped");
    }

    @Test
    void aPortOutOfRangeIsInvalidInputNamingThePort() {
        // When the port is out of range
        CliRun run = CliRun.of("sandbox", "cluster", "--kubeconfig", dir.resolve("kubeconfig").toString(), "--port", "70000");

        // Then it is invalid input naming the port, and no kubeconfig is written
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid port: '70000'").contains("a TCP port from 1 to 65535");
        assertThat(dir.resolve("kubeconfig")).doesNotExist();
    }

    @Test
    void withoutKubeconfigItSaysWhereTheKubeconfigMustGo() {
        // When no --kubeconfig is given
        CliRun run = CliRun.of("sandbox", "cluster");

        // Then it says what --kubeconfig is for
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid kubeconfig: nothing").contains("the file to write the simulated cluster's kubeconfig to");
    }

    @Test
    void aKubeconfigThatIsADirectoryIsRefused() {
        // When --kubeconfig names a directory
        CliRun run = CliRun.of("sandbox", "cluster", "--kubeconfig", dir.toString());

        // Then it is refused, naming it
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid kubeconfig: '" + dir + "'");
    }
}
