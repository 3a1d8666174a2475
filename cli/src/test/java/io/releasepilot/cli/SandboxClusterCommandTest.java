package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code release-pilot sandbox cluster} as the plugin's tests use it: a separate process, waited on
 * through its ready file, driven with the real {@code /usr/bin/kubectl}.
 */
class SandboxClusterCommandTest {

    private static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static Process cluster;
    private static Path kubeconfig;

    @BeforeAll
    static void startClusterWithTheDemoApp() {
        Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL + ": the kubectl tests are skipped");
        kubeconfig = dir.resolve("kubeconfig");
        cluster = startCluster(dir, kubeconfig, dir.resolve("ready"), "--with-demo-app");
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.destroy();
            cluster.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code sandbox cluster} as its own JVM and waits until its ready file names the API's URL. */
    static Process startCluster(Path workDir, Path kubeconfigFile, Path readyFile, String... more) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ReleasePilotCommand.class.getName(),
                "sandbox", "cluster", "--kubeconfig", kubeconfigFile.toString(), "--ready-file", readyFile.toString()));
        command.addAll(Arrays.asList(more));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(workDir.resolve("cluster.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
        await("the sandbox cluster's ready file").atMost(STARTUP).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.exists(readyFile) || !process.isAlive());
        assertThat(process.isAlive()).as("sandbox cluster is running (log: %s)", workDir.resolve("cluster.log")).isTrue();
        return process;
    }

    private static String kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", dir.resolve("kube-cache").toString()));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl %s finished", String.join(" ", args)).isTrue();
        assertThat(p.exitValue()).as("kubectl %s exit code; output:%n%s", String.join(" ", args), output).isZero();
        return output;
    }

    @Test
    void kubectlListsTheDemoAppsDeploymentsInEveryEnvironment() throws Exception {
        // Given the cluster started with --with-demo-app
        // When the real kubectl lists Deployments in all namespaces
        String listed = kubectl("get", "deployments", "--all-namespaces",
                "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.status.readyReplicas}/{.spec.replicas}{\"\\n\"}{end}");

        // Then it sees api, worker and web in int, uat and prod, each with all its pods ready
        List<String> demo = listed.lines().filter(l -> l.matches("(int|uat|prod)/.*")).sorted().toList();
        assertThat(demo).containsExactly("int/api 4/4", "int/web 4/4", "int/worker 2/2", "prod/api 4/4", "prod/web 4/4", "prod/worker 2/2",
                "uat/api 4/4", "uat/web 4/4", "uat/worker 2/2");
    }

    @Test
    void kubectlApplyCreatesThenUpdatesADeploymentAndTheSimulatedControllerRollsItOut() throws Exception {
        // Given a manifest applied once
        Path manifest = dir.resolve("shop.yaml");
        Files.writeString(manifest, manifest("shop:1", "1"));
        assertThat(kubectl("apply", "-f", manifest.toString())).contains("deployment.apps/shop created");

        // When it is applied again with another image and env value (a strategic merge patch)
        Files.writeString(manifest, manifest("shop:2", "2"));
        String applied = kubectl("apply", "-f", manifest.toString());

        // Then the Deployment has the new container, merged by name, and its rollout completes
        assertThat(applied).contains("deployment.apps/shop configured");
        assertThat(kubectl("get", "deployment", "shop", "-n", "default", "-o", "jsonpath={.spec.template.spec.containers}"))
                .isEqualTo("[{\"env\":[{\"name\":\"MODE\",\"value\":\"2\"}],\"image\":\"example.com/shop:2\",\"name\":\"app\"}]");
        assertThat(kubectl("rollout", "status", "deployment/shop", "-n", "default", "--timeout=30s")).contains("successfully rolled out");
    }

    @Test
    void kubectlScaleChangesTheReplicasThroughTheScaleSubresource() throws Exception {
        // Given the demo app's worker in int with 2 replicas
        // When kubectl scales it to 3
        String scaled = kubectl("scale", "deployment/worker", "-n", "int", "--replicas=3");

        // Then the Deployment asks for 3
        assertThat(scaled).contains("deployment.apps/worker scaled");
        assertThat(kubectl("get", "deployment", "worker", "-n", "int", "-o", "jsonpath={.spec.replicas}")).isEqualTo("3");
    }

    @Test
    void kubectlGetPrintsEachKindsUsualColumnsFromTheServersTables() throws Exception {
        // Given the demo app's ready Deployments in prod
        // When kubectl prints them and their pods in its default table form
        String deployments = kubectl("get", "deployments", "-n", "prod");
        String pods = kubectl("get", "pods", "-n", "prod");

        // Then the columns are those of a real cluster, sorted by name, the simulated pods running
        assertThat(deployments.lines().toList()).first().asString().matches("NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE");
        assertThat(deployments.lines().skip(1).map(l -> l.split("\\s+")[0] + " " + l.split("\\s+")[1]).toList())
                .containsExactly("api 4/4", "web 4/4", "worker 2/2");
        assertThat(pods.lines().toList()).first().asString().matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE");
        assertThat(pods.lines().skip(1).toList()).hasSize(10).allSatisfy(l -> assertThat(l).matches("\\S+\\s+1/1\\s+Running\\s+0\\s+\\S+"));
    }

    @Test
    void kubectlSeesTheSimulationsVersion() throws Exception {
        // When kubectl asks the server's version, then it is named as the simulation
        assertThat(kubectl("version")).contains("Server Version: v1.32.0-release-pilot-simulated");
    }

    private static String manifest(String image, String mode) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: shop
                  namespace: default
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: shop}
                  template:
                    metadata:
                      labels: {app: shop}
                    spec:
                      containers:
                      - name: app
                        image: example.com/%s
                        env:
                        - {name: MODE, value: "%s"}
                """.formatted(image, mode);
    }
}
