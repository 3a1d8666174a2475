package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import hudson.model.ParametersAction;
import hudson.model.ParametersDefinitionProperty;
import hudson.model.StringParameterDefinition;
import hudson.model.StringParameterValue;
import hudson.slaves.EnvironmentVariablesNodeProperty;
import hudson.slaves.EnvironmentVariablesNodeProperty.Entry;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.PostgresServer;
import io.releasepilot.engine.testing.RegistryServer;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.sandbox.servers.LocalAlertmanager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * The examples/ Jenkinsfiles, run as written: three images built with real buildah and pushed to a
 * real registry, a real PostgreSQL snapshot, a real Alertmanager watched, and one SIMULATED cluster
 * per environment (fabric8 CRUD mock + simulated Deployment controller), each reached through its
 * own kubeconfig credential.
 */
public class ExamplesTest {

    static final List<String> SERVICES = List.of("api", "worker", "front");
    static final String V1 = "registry.example.com/shop/%s@sha256:" + "1".repeat(64);
    private static final Path EXAMPLES = Path.of("..", "examples", "shop-release");

    @ClassRule
    public static JenkinsRule j = withTimeout(new JenkinsRule());

    /** Three full releases run on one Jenkins: more than the rule's default of 180 s for the whole class on a busy machine. */
    private static JenkinsRule withTimeout(JenkinsRule rule) {
        rule.timeout = 900;
        return rule;
    }
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static RegistryServer registry;
    private static BuildahStorage buildah;
    private static PostgresServer postgres;
    private static LocalAlertmanager alertmanager;
    private static final Map<String, SimulatedCluster> clusters = new LinkedHashMap<>();

    @BeforeClass
    public static void theWorld() throws Exception {
        registry = RegistryServer.start("pusher", "reg-" + Long.toHexString(System.nanoTime()));
        buildah = BuildahStorage.create();
        postgres = PostgresServer.start();
        String database = postgres.createDatabase();
        try (java.sql.Connection c = postgres.connect(database); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)");
            s.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 100) g");
        }
        alertmanager = LocalAlertmanager.start(tmp.newFolder().toPath(), null, null);
        Fixtures.addLogin("registry", "pusher", registry.password());
        Fixtures.addLogin("shop-db", PostgresServer.SUPERUSER, PostgresServer.PASSWORD);
        for (String environment : List.of("INT", "UAT", "PROD")) {
            SimulatedCluster cluster = new SimulatedCluster("shop");
            for (String service : SERVICES) {
                cluster.createApp(service, V1.formatted(service), 4);
            }
            clusters.put(environment, cluster);
            String kubeconfig = """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: sim, cluster: {server: "%s"}}]
                    contexts: [{name: sim, context: {cluster: sim, user: ci, namespace: shop}}]
                    current-context: sim
                    users: [{name: ci, user: {}}]
                    """.formatted(cluster.url());
            Fixtures.addCredentials(new FileCredentialsImpl(CredentialsScope.GLOBAL, "kube-" + environment.toLowerCase(), "kubeconfig",
                    "kubeconfig", SecretBytes.fromBytes(kubeconfig.getBytes(StandardCharsets.UTF_8))));
        }
        j.jenkins.getGlobalNodeProperties().add(new EnvironmentVariablesNodeProperty(
                new Entry("REGISTRY", registry.address() + "/shop"),
                new Entry("ALERTMANAGER_URL", alertmanager.url().toString()),
                new Entry("DB_HOST", "127.0.0.1"), new Entry("DB_PORT", String.valueOf(postgres.port())), new Entry("DB_NAME", database),
                new Entry("WATCH_WINDOW", "2s"), new Entry("WATCH_INTERVAL", "1s"),
                new Entry("CONTAINERS_STORAGE_CONF", buildah.storageConf().toString()),
                new Entry("PATH+PG", postgres.binDir().toString())));
    }

    @AfterClass
    public static void stopTheWorld() {
        clusters.values().forEach(SimulatedCluster::close);
        for (AutoCloseable server : new AutoCloseable[] {alertmanager, registry, buildah, postgres}) {
            try {
                if (server != null) {
                    server.close();
                }
            } catch (Exception ignored) {
                // the next one still has to stop
            }
        }
    }

    /** A job running the example as written, with the services' sources in its workspace. */
    private static WorkflowJob exampleJob(String name, String file) throws Exception {
        WorkflowJob job = Fixtures.sandboxedJob(j, name, Files.readString(EXAMPLES.resolve(file)));
        // As after the job's first run, which declares the parameter (Jenkins drops undeclared ones).
        job.addProperty(new ParametersDefinitionProperty(new StringParameterDefinition("HOTFIX_REASON", "")));
        for (String service : SERVICES) {
            BusyboxContext.write(Path.of(j.jenkins.getWorkspaceFor(job).getRemote(), service),
                    "FROM scratch\nCOPY busybox /bin/busybox\nLABEL service=" + service + "\n");
        }
        return job;
    }

    /** Runs the job (a first run defines its parameters), approving PROD as a release manager would. */
    private static WorkflowRun runApproving(WorkflowJob job, String hotfixReason) throws Exception {
        WorkflowRun run = job.scheduleBuild2(0, new ParametersAction(new StringParameterValue("HOTFIX_REASON", hotfixReason))).waitForStart();
        j.waitForMessage("Deploy to PROD?", run);
        HtmlPage approval = j.createWebClient().getPage(run, "input");
        j.submit(approval.getFormByName("Prod"), "proceed");
        return j.assertBuildStatusSuccess(j.waitForCompletion(run));
    }

    private static String stableImage(String environment, String service) {
        return clusters.get(environment).client().apps().deployments().inNamespace("shop").withName(service).get().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static void assertEveryServiceReleasedEverywhere(WorkflowRun run) throws Exception {
        List<AuditRecord> built = Fixtures.audit(run, AuditAction.IMAGE_BUILT);
        assertThat(built).hasSize(3);
        for (AuditRecord image : built) {
            for (String environment : List.of("INT", "UAT", "PROD")) {
                assertThat(stableImage(environment, image.event().service())).isEqualTo(image.event().image());
            }
        }
        assertThat(Fixtures.audit(run, AuditAction.PROMOTED)).hasSize(9);
        assertThat(Fixtures.audit(run, AuditAction.SNAPSHOT_CREATED)).singleElement()
                .satisfies(r -> assertThat(r.event().environment()).isEqualTo("PROD"));
        assertThat(run.getAction(ReleaseAction.class)).isNotNull();
    }

    @Test
    public void declarativeReleaseBuildsEachImageAndTakesItThroughIntUatAndProdAfterApproval() throws Exception {
        // Given the declarative example
        WorkflowJob job = exampleJob("shop-declarative", "Jenkinsfile");

        // When it runs and a release manager approves PROD
        WorkflowRun run = runApproving(job, "");

        // Then each service's new image runs stable in INT, UAT and PROD, the database was snapshot before PROD
        assertEveryServiceReleasedEverywhere(run);
    }

    @Test
    public void scriptedReleaseBuildsEachImageAndTakesItThroughIntUatAndProdAfterApproval() throws Exception {
        // Given the scripted example
        WorkflowJob job = exampleJob("shop-scripted", "Jenkinsfile.scripted");

        // When it runs and a release manager approves PROD
        WorkflowRun run = runApproving(job, "");

        // Then each service's new image runs stable in INT, UAT and PROD, the database was snapshot before PROD
        assertEveryServiceReleasedEverywhere(run);
    }

    @Test
    public void hotfixGoesStraightToProdAndRecordsItsReason() throws Exception {
        // Given the scripted example and a reason to skip INT and UAT
        WorkflowJob job = exampleJob("shop-hotfix", "Jenkinsfile.scripted");

        // When it runs with the reason and PROD is approved
        WorkflowRun run = runApproving(job, "CVE-2026-1234 in the TLS library");

        // Then PROD runs the new images, INT was not touched by it, and each PROD entry is a HOTFIX naming the reason
        List<AuditRecord> built = Fixtures.audit(run, AuditAction.IMAGE_BUILT);
        for (AuditRecord image : built) {
            assertThat(stableImage("PROD", image.event().service())).isEqualTo(image.event().image());
        }
        assertThat(Fixtures.audit(run, AuditAction.HOTFIX)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.event().reason()).contains("CVE-2026-1234"));
        assertThat(Fixtures.audit(run, AuditAction.PROMOTED)).allSatisfy(r -> assertThat(r.event().environment()).isEqualTo("PROD"));
    }
}
