package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy-canary, promote and rollback from the command line against a simulated cluster reached by kubeconfig. */
class KubeCommandsTest {

    private static final String V1 = "registry.example.com/web@sha256:" + "a".repeat(64);
    private static final String V2 = "registry.example.com/web@sha256:" + "b".repeat(64);

    @TempDir
    Path dir;

    private SimulatedCluster cluster;
    private Path kubeconfig;
    private String out;
    private String err;

    @BeforeEach
    void start() throws IOException {
        cluster = new SimulatedCluster("shop");
        cluster.createApp("web", V1, 4);
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: simulated
                  cluster:
                    server: %s
                contexts:
                - name: simulated
                  context:
                    cluster: simulated
                    user: tester
                    namespace: shop
                current-context: simulated
                users:
                - name: tester
                  user: {}
                """.formatted(cluster.url()));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("--audit-store", dir.resolve("audit").toString(), "--signing-key",
                dir.resolve("key.pem").toString(), "--kubeconfig", kubeconfig.toString(), "--actor", "bob"));
        all.addAll(List.of(args));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        if (!Files.exists(dir.resolve("key.pem"))) {
            try {
                io.releasepilot.engine.audit.CheckpointKeys.write(io.releasepilot.engine.audit.CheckpointKeys.generate(),
                        dir.resolve("key.pem"), dir.resolve("key.pub.pem"));
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }
        int code = ReleasePilotCommand.run(all.toArray(String[]::new), new PrintWriter(o, true), new PrintWriter(e, true));
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void deployCanaryPromoteAndRollbackWorkThroughTheKubeconfig() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--weight", "25",
                "--timeout", "30s")).as(err).isZero();
        assertThat(out).contains("[deployCanary] shop/web: canary at 25% (1/4 ready)");

        assertThat(run("promote", "--namespace", "shop", "--deployment", "web", "--environment", "INT")).as(err).isZero();
        assertThat(out).contains("[promote] shop/web: promoted " + V2);

        assertThat(run("rollback", "--namespace", "shop", "--deployment", "web", "--reason", "smoke test failed")).as(err).isZero();
        assertThat(out).contains("[rollback] shop/web: rolled back to " + V1);

        assertThat(run("audit", "list", "--service", "web")).isZero();
        assertThat(out).contains("ROLLED_BACK", "PROMOTED", "CANARY_STARTED");
    }

    @Test
    void badInputExitsTwoBeforeTheClusterIsContacted() {
        long before = cluster.dispatcher().requests();

        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--weight", "150")).isEqualTo(2);
        assertThat(err).contains("invalid weight: '150' (expected a whole number of percent from 1 to 100)");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "Web!", "--image", V2)).isEqualTo(2);
        assertThat(err).contains("invalid deployment: 'Web!'");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--timeout", "soon")).isEqualTo(2);
        assertThat(err).contains("invalid timeout: 'soon'");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", "not an image")).isEqualTo(2);
        assertThat(err).contains("invalid image: 'not an image'");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--traffic", "linkerd")).isEqualTo(2);
        assertThat(err).contains("invalid traffic: 'linkerd'");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--smoke-url", "gopher://x")).isEqualTo(2);
        assertThat(err).contains("invalid smoke-url: 'gopher://x'");
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--environment", "STAGING")).isEqualTo(2);
        assertThat(err).contains("invalid environment: 'STAGING' (expected one of the lifecycle's environments INT, UAT, PROD)");
        assertThat(run("promote", "--namespace", "shop", "--deployment", "web", "--hotfix")).isEqualTo(2);
        assertThat(err).contains("invalid reason: nothing");
        assertThat(run("rollback", "--namespace", "shop", "--deployment", "web", "--wait-for-lock", "a while")).isEqualTo(2);
        assertThat(err).contains("invalid wait-for-lock: 'a while'");

        assertThat(cluster.dispatcher().requests()).isEqualTo(before);
    }

    @Test
    void theKubeconfigTokenNeverReachesOutputOrTheAuditTrail() throws IOException {
        String token = "kube-token-" + "9f8e7d6c5b4a";
        Files.writeString(kubeconfig, Files.readString(kubeconfig).replace("user: {}", "user: {token: " + token + "}"));

        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--timeout", "30s")).as(err).isZero();
        String deployOutput = out + err;
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "nope", "--image", V2)).isEqualTo(2);
        String errorOutput = out + err;
        assertThat(run("audit", "export", "--format", "jsonl")).isZero();

        assertThat(deployOutput + errorOutput + out + err).doesNotContain(token);
    }

    @Test
    void aKubeconfigThatDoesNotExistExitsTwo() {
        kubeconfig = dir.resolve("missing-kubeconfig");

        assertThat(run("rollback", "--namespace", "shop", "--deployment", "web")).isEqualTo(2);
        assertThat(err).contains("invalid kubeconfig: '" + kubeconfig + "' (expected a readable kubeconfig file)");
    }

    @Test
    void aDeploymentThatDoesNotExistExitsTwo() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "api", "--image", V2)).isEqualTo(2);
        assertThat(err).contains("invalid deployment: 'api' (expected an existing Deployment in namespace shop)");
    }

    @Test
    void aGateDenialExitsOneAndIsAudited() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--environment", "PROD")).isEqualTo(1);
        assertThat(err).contains("never promoted in UAT");

        assertThat(run("audit", "list", "--action", "GATE_DENIED")).isZero();
        assertThat(out).contains("GATE_DENIED").contains("web").contains("PROD");
    }

    @Test
    void aDeploymentAnotherRunIsChangingExitsThreeAndNamesThatRun() {
        cluster.editDeployment("web", d -> {
            d.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of("releasepilot.io/lock",
                    "run=r-9;act=promote;actor=carol;origin=https://ci/job/web/12/;host=ci-agent-3;pid=4242;expires=2999-01-01T00:00:00Z")));
            return d;
        });

        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2)).isEqualTo(3);
        assertThat(err).contains("deployment shop/web is held by another run: r-9 (promote by carol from https://ci/job/web/12/, "
                + "host ci-agent-3, pid 4242); its lease runs out at 2999-01-01T00:00:00Z");
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).isNull();
    }

    @Test
    void withWaitForLockTheCommandWaitsUntilTheOtherRunsLeaseLapses() {
        String expires = java.time.Instant.now().plusSeconds(3).toString();
        cluster.editDeployment("web", d -> {
            d.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of("releasepilot.io/lock",
                    "run=r-9;act=promote;actor=carol;origin=https://ci/job/web/12/;host=ci-agent-3;pid=4242;expires=" + expires)));
            return d;
        });

        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--wait-for-lock", "1m",
                "--timeout", "30s")).as(err).isZero();

        assertThat(out).contains("[deployCanary] shop/web: waiting up to 1m for the lease of run r-9")
                .contains("[deployCanary] shop/web: canary at 25% (1/4 ready)");
    }

    @Test
    void anUnreachableClusterExitsThreeNamingTheApiAndTheKubeconfigTried() throws IOException {
        Files.writeString(kubeconfig, Files.readString(kubeconfig).replace(cluster.url().replaceAll("/$", ""), "http://127.0.0.1:1"));

        assertThat(run("rollback", "--namespace", "shop", "--deployment", "web")).isEqualTo(3);
        assertThat(err).contains("error: cannot reach the Kubernetes API at http://127.0.0.1:1/ (from kubeconfig " + kubeconfig + "): ");
    }

    @Test
    void noKubeconfigAnywhereExitsThreeSayingWhereItLooked() {
        String realHome = System.getProperty("user.home");
        Assumptions.assumeTrue(System.getenv("KUBECONFIG") == null && System.getenv("KUBERNETES_SERVICE_HOST") == null,
                "a KUBECONFIG or in-cluster account in this environment would be found");
        System.setProperty("user.home", dir.toString());
        try {
            StringWriter e = new StringWriter();
            int code = ReleasePilotCommand.run(new String[] {"--audit-store", dir.resolve("audit").toString(), "--signing-key",
                dir.resolve("key.pem").toString(), "promote", "--namespace", "shop", "--deployment", "web"},
                    new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));

            assertThat(code).isEqualTo(3);
            assertThat(e.toString()).contains("error: no kubeconfig found (looked at --kubeconfig (not given), $KUBECONFIG (not set), "
                    + dir.resolve(".kube/config") + " (absent), the in-cluster service account");
            assertThat(dir.resolve("audit")).doesNotExist();
        } finally {
            System.setProperty("user.home", realHome);
        }
    }

    @Test
    void aUsageErrorIsTheErrorAndWhereTheHelpIsInTwoLines() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--image", V2, "--weigth", "10")).isEqualTo(2);

        assertThat(err.lines()).hasSize(2);
        assertThat(err.lines().toList().get(0)).startsWith("error: ");
        assertThat(err.lines().toList().get(1)).isEqualTo("see `release-pilot deploy-canary --help`");
        assertThat(out).isEmpty();
    }

    @Test
    void promoteAndRollbackRecordTheServiceGiven() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--service", "storefront",
                "--timeout", "30s")).as(err).isZero();
        assertThat(run("promote", "--namespace", "shop", "--deployment", "web", "--service", "storefront")).as(err).isZero();
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V1, "--service", "storefront",
                "--timeout", "30s")).as(err).isZero();
        assertThat(run("rollback", "--namespace", "shop", "--deployment", "web", "--service", "storefront")).as(err).isZero();

        assertThat(run("audit", "list", "--service", "storefront")).isZero();
        assertThat(out).contains("PROMOTED").contains("ROLLED_BACK");
    }

    @Test
    void promoteUnderAnotherServiceThanTheCanaryWasDeployedAsIsRefused() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--service", "storefront",
                "--timeout", "30s")).as(err).isZero();

        assertThat(run("promote", "--namespace", "shop", "--deployment", "web", "--service", "checkout")).isEqualTo(2);
        assertThat(err).contains("invalid service: 'checkout' (expected the service the canary of deployment web was deployed as: storefront)");
    }

    @Test
    void rollbackOnAlertRefusesToWatchADeploymentThatDoesNotExist() {
        assertThat(run("rollback-on-alert", "--namespace", "shop", "--deployment", "api", "--prometheus", "http://127.0.0.1:9", "--alert", "HighErrorRate",
                "--window", "1m")).as(err).isEqualTo(2);

        assertThat(err).contains("invalid deployment: 'api' (expected an existing Deployment in namespace shop)");
    }

    @Test
    void theLifecycleComesFromTheFlag() {
        assertThat(run("--lifecycle", "DEV,PROD", "deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2,
                "--environment", "DEV", "--timeout", "30s")).as(err).isZero();
        assertThat(run("--lifecycle", "DEV,PROD", "promote", "--namespace", "shop", "--deployment", "web")).as(err).isZero();
        assertThat(run("--lifecycle", "DEV,PROD", "deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V1,
                "--environment", "UAT")).isEqualTo(2);

        assertThat(err).contains("invalid environment: 'UAT' (expected one of the lifecycle's environments DEV, PROD)");
    }

    @Test
    void theLifecycleComesFromTheConfigFileWhenNoFlagIsGiven() throws IOException {
        String realHome = System.getProperty("user.home");
        Files.createDirectories(dir.resolve(".config/release-pilot"));
        Files.writeString(dir.resolve(".config/release-pilot/lifecycle"), "# promotion order\nTEST\nLIVE\n");
        System.setProperty("user.home", dir.toString());
        try {
            assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--environment", "PROD")).isEqualTo(2);
        } finally {
            System.setProperty("user.home", realHome);
        }

        assertThat(err).contains("expected one of the lifecycle's environments TEST, LIVE");
    }

    @Test
    void aLifecycleNamingAnEnvironmentTwiceIsRefusedWithExit2() {
        assertThat(run("--lifecycle", "INT,PROD,INT", "deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2)).isEqualTo(2);

        assertThat(err).contains("invalid lifecycle: 'INT,PROD,INT'").contains("each once");
    }

    @Test
    void aTagWhoseRegistryCannotBeAskedIsRefusedForAGatedEnvironment() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", "127.0.0.1:1/web:2.0",
                "--environment", "UAT")).isEqualTo(2);

        assertThat(err).contains("invalid image: '127.0.0.1:1/web:2.0'").contains("UAT is gated by digest").contains("deploy by digest");
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web-canary").get()).isNull();
    }

    @Test
    void everyKubeActPrintsItsAuditHead() {
        assertThat(run("deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2, "--timeout", "30s")).as(err).isZero();

        assertThat(out).containsPattern("audit head: seq \\d+ sha256:[0-9a-f]{64}");
    }

    @Test
    void jsonOutputCarriesTheEffectiveWeight() {
        assertThat(run("--output", "json", "deploy-canary", "--namespace", "shop", "--deployment", "web", "--image", V2,
                "--weight", "10", "--timeout", "30s")).as(err).isZero();

        assertThat(out).contains("\"weight\":10", "\"effectiveWeight\":25", "\"canaryReplicas\":1");
        assertThat(err).contains("[deployCanary] shop/web: canary at 25% (1/4 ready); 10% was asked");
    }
}
