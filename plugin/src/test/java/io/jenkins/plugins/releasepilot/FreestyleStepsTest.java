package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.slaves.EnvironmentVariablesNodeProperty;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.testing.BuildahStorage;
import io.releasepilot.engine.testing.BusyboxContext;
import io.releasepilot.engine.testing.PostgresServer;
import io.releasepilot.engine.testing.RegistryServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.jenkinsci.plugins.structs.describable.DescribableModel;
import org.jenkinsci.plugins.structs.describable.DescribableParameter;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * buildImage and dbSnapshot as freestyle build steps, configured through the job's configuration
 * form and run, on one Jenkins, against a real registry (docker-registry with htpasswd), real
 * buildah and a real PostgreSQL with pg_dump.
 */
public class FreestyleStepsTest {

    private static final String REGISTRY_PASSWORD = "reg-" + Long.toHexString(System.nanoTime()) + "-secret";

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    private static RegistryServer registry;
    private static BuildahStorage buildah;
    private static PostgresServer postgres;
    private static String database;

    @BeforeClass
    public static void startServers() throws Exception {
        registry = RegistryServer.start("pusher", REGISTRY_PASSWORD);
        buildah = BuildahStorage.create();
        postgres = PostgresServer.start();
        database = postgres.createDatabase();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)");
            s.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 100) g");
        }
        Fixtures.addLogin("registry", "pusher", REGISTRY_PASSWORD);
        Fixtures.addLogin("shop-db", PostgresServer.SUPERUSER, PostgresServer.PASSWORD);
        // What a freestyle job's agent would have: buildah's storage and PostgreSQL's client tools.
        j.jenkins.getGlobalNodeProperties().add(new EnvironmentVariablesNodeProperty(
                new EnvironmentVariablesNodeProperty.Entry("CONTAINERS_STORAGE_CONF", buildah.storageConf().toString()),
                new EnvironmentVariablesNodeProperty.Entry("PATH+PG", postgres.binDir().toString())));
    }

    @AfterClass
    public static void stopServers() {
        for (AutoCloseable server : new AutoCloseable[] {registry, buildah, postgres}) {
            try {
                if (server != null) {
                    server.close();
                }
            } catch (Exception ignored) {
                // the next one still has to stop
            }
        }
    }

    private static List<AuditRecord> records(FreeStyleBuild build, AuditAction action) throws Exception {
        ReleaseAction page = build.getAction(ReleaseAction.class);
        assertThat(page).as("the build's Release page").isNotNull();
        return page.getRecords().stream().filter(r -> r.event().action() == action).toList();
    }

    @Test
    public void buildImageConfiguredThroughTheFormBuildsPushesAndShowsOnTheReleasePage() throws Exception {
        // Given a freestyle job with a Dockerfile in its workspace and buildImage set up with two tags, a label and a login
        FreeStyleProject job = j.createFreeStyleProject("image");
        BusyboxContext.write(Path.of(j.jenkins.getWorkspaceFor(job).getRemote(), "app"), "FROM scratch\nCOPY busybox /bin/busybox\n");
        BuildImageStep step = new BuildImageStep(List.of(registry.address() + "/shop/web:2.0", registry.address() + "/shop/web:latest"));
        step.setContext("app");
        step.setBuilder("buildah");
        step.setCredentialsId("registry");
        step.setLabels(List.of("team=shop"));
        BuildImageBuilder configured = new BuildImageBuilder(step);
        job.getBuildersList().add(configured);

        // When the configuration page is submitted as it is, and the job runs
        j.configRoundtrip(job);
        BuildImageBuilder submitted = job.getBuildersList().get(BuildImageBuilder.class);
        FreeStyleBuild build = j.buildAndAssertSuccess(job);

        // Then the form kept every value, the registry serves the image, and the Release page lists IMAGE_BUILT with its digest
        j.assertEqualDataBoundBeans(configured, submitted);
        String digest = registry.digestHeader("shop/web", "2.0");
        j.assertLogContains("[buildImage] result: " + registry.address() + "/shop/web@" + digest, build);
        assertThat(records(build, AuditAction.IMAGE_BUILT)).singleElement()
                .satisfies(r -> assertThat(r.event().image()).isEqualTo(registry.address() + "/shop/web@" + digest));
        j.assertLogNotContains(REGISTRY_PASSWORD, build);
    }

    @Test
    public void dbSnapshotConfiguredThroughTheFormDumpsAndShowsOnTheReleasePage() throws Exception {
        // Given a freestyle job with dbSnapshot set up for the PostgreSQL database
        FreeStyleProject job = j.createFreeStyleProject("snapshot");
        DbSnapshotStep step = new DbSnapshotStep("postgres");
        step.setHost("127.0.0.1");
        step.setPort(postgres.port());
        step.setDatabase(database);
        step.setCredentialsId("shop-db");
        step.setOutputDir("backups");
        step.setService("shop");
        step.setEnvironment("INT");
        step.setRelease("1.4.2");
        step.setRetain(3);
        DbSnapshotBuilder configured = new DbSnapshotBuilder(step);
        job.getBuildersList().add(configured);

        // When the configuration page is submitted as it is, and the job runs
        j.configRoundtrip(job);
        DbSnapshotBuilder submitted = job.getBuildersList().get(DbSnapshotBuilder.class);
        FreeStyleBuild build = j.buildAndAssertSuccess(job);

        // Then the form kept every value, the dump is verified in the workspace, and the Release page lists SNAPSHOT_CREATED
        j.assertEqualDataBoundBeans(configured, submitted);
        j.assertLogContains("[dbSnapshot] result: " + j.jenkins.getWorkspaceFor(job).child("backups").getRemote(), build);
        assertThat(records(build, AuditAction.SNAPSHOT_CREATED)).singleElement()
                .satisfies(r -> assertThat(r.event().release()).isEqualTo("1.4.2"));
        j.assertLogNotContains(PostgresServer.PASSWORD, build);
    }

    private static java.net.URL helpFile(Class<?> type, String field) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            java.net.URL found = c.getResource(c.getSimpleName() + "/help-" + field + ".html");
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Test
    public void everyParameterOfEveryStepHasHelpInTheFormAndTheSnippetGenerator() throws Exception {
        // Given the steps a freestyle job and the Snippet Generator offer
        for (Class<? extends Step> type : List.of(BuildImageStep.class, DbSnapshotStep.class, DeployCanaryStep.class, PromoteStep.class,
                RollbackOnAlertStep.class)) {
            // When the help of each parameter is looked up where Jenkins looks for it (beside the step's class or a superclass's)
            for (DescribableParameter parameter : DescribableModel.of(type).getParameters()) {
                // Then each has its help-<field>.html, and the step its help.html
                assertThat(helpFile(type, parameter.getName())).as(type.getSimpleName() + "." + parameter.getName()).isNotNull();
            }
            assertThat(type.getResource(type.getSimpleName() + "/help.html")).as(type.getSimpleName()).isNotNull();
        }
    }
}
