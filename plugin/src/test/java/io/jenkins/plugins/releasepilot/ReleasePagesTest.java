package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.model.Item;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import jenkins.model.Jenkins;
import org.htmlunit.HttpMethod;
import org.htmlunit.Page;
import org.htmlunit.WebRequest;
import org.htmlunit.html.HtmlForm;
import org.htmlunit.html.HtmlPage;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;

/**
 * The build's Release page and the Releases dashboard on one Jenkins with users of different
 * rights: admin (everything), alice (reads and deploys "shop"), bob (reads "shop", may not deploy),
 * carol (reads only "other"). Canaries run on the SIMULATED cluster (fabric8 CRUD mock and a
 * simulated Deployment controller), which the controller reaches through its kubeconfig.
 */
public class ReleasePagesTest {

    static final String V1 = "registry.example.com/shop/web@sha256:" + "1".repeat(64);
    static final String V2 = "registry.example.com/shop/web@sha256:" + "2".repeat(64);
    /** Markup and script in every free-text field a record has: shown as text, never run. */
    static final String HOSTILE = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=1</script>";

    static final String WEBHOOK_TOKEN = "am-" + Long.toHexString(System.nanoTime()) + "-webhook-token";

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static SimulatedCluster cluster;
    private static FreeStyleProject shop;
    private static FreeStyleProject other;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeClass
    public static void usersJobsAndCluster() throws Exception {
        shop = j.createFreeStyleProject("shop");
        other = j.createFreeStyleProject("other");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.ADMINISTER).everywhere().to("admin")
                .grant(Jenkins.READ).everywhere().to("alice", "bob", "carol")
                .grant(Item.READ).onItems(shop).to("alice", "bob")
                .grant(ReleasePermissions.DEPLOY).onItems(shop).to("alice")
                .grant(Item.READ).onItems(other).to("carol"));
        cluster = new SimulatedCluster("shop");
        Path kubeconfig = tmp.newFile("kubeconfig").toPath();
        cluster.writeKubeconfig(kubeconfig, "shop");
        // The Release page's buttons act with the controller's own Kubernetes access: here, the simulated cluster.
        System.setProperty("kubeconfig", kubeconfig.toString());
        // Freestyle builds reach it as kubectl would on their agent: through KUBECONFIG.
        j.jenkins.getGlobalNodeProperties().add(new hudson.slaves.EnvironmentVariablesNodeProperty(
                new hudson.slaves.EnvironmentVariablesNodeProperty.Entry("KUBECONFIG", kubeconfig.toString())));
        Fixtures.addSecretText("alertmanager-token", WEBHOOK_TOKEN);
        ReleasePilotConfiguration.get().setWebhookTokenCredentialsId("alertmanager-token");
    }

    @AfterClass
    public static void stopCluster() {
        System.clearProperty("kubeconfig");
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AuditStore store() throws Exception {
        return AuditTrail.get().store();
    }

    /** A finished build of {@code job} on whose behalf {@code events} are recorded (as its steps would), with its Release page. */
    private static FreeStyleBuild buildThatRecorded(FreeStyleProject job, String actor, AuditEvent... events) throws Exception {
        FreeStyleBuild build = j.buildAndAssertSuccess(job);
        for (AuditEvent event : events) {
            store().append(event, new Origin(actor, BuildOrigin.url(build)));
        }
        ReleaseAction.attach(build);
        return build;
    }

    /** A build that started a canary of {@code deployment} on the simulated cluster, stable at V1, canary at V2. */
    private static FreeStyleBuild buildThatStartedACanary(String deployment) throws Exception {
        cluster.createApp(deployment, V1, 4);
        FreeStyleBuild build = j.buildAndAssertSuccess(shop);
        new CanaryDeploy(cluster.client(), store(), new Origin("alice", BuildOrigin.url(build)), ProgressListener.SILENT, Lifecycle.DEFAULT)
                .deploy(new CanaryRequest("shop", deployment, ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas, "INT",
                        null, Duration.ofSeconds(30), false, null));
        ReleaseAction.attach(build);
        return build;
    }

    private static AuditEvent hostileEvent(AuditAction action) {
        return new AuditEvent(action, "web", "INT", "ns-" + HOSTILE, "deployment/" + HOSTILE, "1.0 " + HOSTILE, "img " + HOSTILE,
                "prev " + HOSTILE, Outcome.SUCCEEDED, "reason " + HOSTILE, Map.of("note", HOSTILE));
    }

    private static List<String> alerts(JenkinsRule.WebClient wc) {
        List<String> alerts = new ArrayList<>();
        wc.setAlertHandler((page, message) -> alerts.add(message));
        return alerts;
    }

    private static List<AuditRecord> recordsOf(FreeStyleBuild build) throws Exception {
        String origin = BuildOrigin.url(build);
        return store().list(AuditFilter.newest(AuditFilter.MAX_LIMIT)).stream().filter(r -> origin.equals(r.origin())).toList();
    }

    private static JsonNode api(JenkinsRule.WebClient wc, String path) throws Exception {
        Page page = wc.goTo(ReleasesDashboard.URL_NAME + "/" + path, "application/json");
        return JSON.readTree(page.getWebResponse().getContentAsString());
    }

    private static List<String> origins(JsonNode records) {
        return StreamSupport.stream(records.spliterator(), false).map(r -> r.path("origin").asText()).toList();
    }

    @Test
    public void releasePageShowsEveryRecordedFieldAsTextAndRunsNothing() throws Exception {
        // Given a build that recorded an image, a snapshot and a canary, every free-text field holding markup and script
        FreeStyleBuild build = buildThatRecorded(shop, "actor " + HOSTILE, hostileEvent(AuditAction.IMAGE_BUILT),
                hostileEvent(AuditAction.SNAPSHOT_CREATED), hostileEvent(AuditAction.CANARY_STARTED));

        // When alice opens its Release page
        JenkinsRule.WebClient wc = j.createWebClient().login("alice");
        List<String> alerts = alerts(wc);
        HtmlPage page = wc.getPage(build, "release");

        // Then every value is on the page as the characters recorded, no script of theirs ran, and the head is shown
        String text = page.asNormalizedText();
        for (String shown : List.of("actor " + HOSTILE, "ns-" + HOSTILE, "1.0 " + HOSTILE, "img " + HOSTILE, "prev " + HOSTILE,
                "reason " + HOSTILE, "note=" + HOSTILE)) {
            assertThat(text).contains(shown);
        }
        assertThat(page.executeJavaScript("typeof window.pwned").getJavaScriptResult()).isEqualTo("undefined");
        assertThat(alerts).isEmpty();
        assertThat(page.getElementsByTagName("img").stream().noneMatch(img -> "x".equals(img.getAttribute("src")))).isTrue();
        ReleaseAction action = build.getAction(ReleaseAction.class);
        assertThat(text).contains("Audit head of this build: record " + action.getHeadSeq() + ", hash " + action.getHeadHash());
        assertThat(page.getElementById("release-timeline").getElementsByTagName("tr")).hasSize(1 + 3);
    }

    /** Chromium with alice's Jenkins session (logged in through HtmlUnit), on {@code path} of the controller. */
    private static HeadlessChromium chromiumAsAlice(String path) throws Exception {
        JenkinsRule.WebClient wc = j.createWebClient().login("alice");
        HeadlessChromium chromium = HeadlessChromium.start(tmp.newFolder().toPath());
        for (org.htmlunit.util.Cookie cookie : wc.getCookieManager().getCookies()) {
            chromium.cookie(cookie.getName(), cookie.getValue(), j.getURL().toString());
        }
        chromium.open(j.getURL() + path);
        return chromium;
    }

    private static void keepScreenshot(HeadlessChromium chromium, String name) throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), chromium.screenshot());
    }

    @Test
    public void dashboardInARealBrowserShowsHostileRecordsAsTextAndRunsNothing() throws Exception {
        // Given a build of "shop" that recorded a canary whose every free-text field holds markup and script
        FreeStyleBuild build = buildThatRecorded(shop, "actor " + HOSTILE, hostileEvent(AuditAction.CANARY_STARTED));

        // When alice opens the Releases dashboard in Chromium and its script has filled the page
        try (HeadlessChromium chromium = chromiumAsAlice(ReleasesDashboard.URL_NAME + "/")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> "ready".equals(chromium.evaluate("document.body.dataset.state")));
            keepScreenshot(chromium, "dashboard");

            // Then the feed shows the values as text, the matrix links the cell to the build, nothing of theirs ran or became an element,
            // and every script and style came from the controller itself
            assertThat(chromium.evaluate("document.getElementById('feed').textContent")).contains("reason " + HOSTILE);
            assertThat(chromium.evaluate("String(Array.from(document.querySelectorAll('#matrix a')).some(a => a.href === '"
                    + BuildOrigin.url(build) + "'))")).isEqualTo("true");
            assertThat(chromium.evaluate("typeof window.pwned")).isEqualTo("undefined");
            assertThat(chromium.evaluate("String(document.querySelectorAll('main img, main script').length)")).isEqualTo("0");
            assertThat(chromium.evaluate("String(Array.from(document.querySelectorAll('script[src], link[href]'))"
                    + ".filter(e => !(e.src || e.href).startsWith(location.origin)).length)")).isEqualTo("0");
        }
    }

    @Test
    public void releasePageInARealBrowserShowsHostileRecordsAsTextAndRunsNothing() throws Exception {
        // Given a build that recorded an image and a canary, every free-text field holding markup and script
        FreeStyleBuild build = buildThatRecorded(shop, "actor " + HOSTILE, hostileEvent(AuditAction.IMAGE_BUILT),
                hostileEvent(AuditAction.CANARY_STARTED));

        // When alice opens its Release page in Chromium
        try (HeadlessChromium chromium = chromiumAsAlice(build.getUrl() + "release/")) {
            keepScreenshot(chromium, "release-page");

            // Then the values are text in the timeline and nothing of theirs ran
            assertThat(chromium.evaluate("document.getElementById('release-timeline').textContent")).contains("reason " + HOSTILE);
            assertThat(chromium.evaluate("typeof window.pwned")).isEqualTo("undefined");
            assertThat(chromium.evaluate("String(document.querySelectorAll('#release-timeline img, #release-timeline script').length)"))
                    .isEqualTo("0");
        }
    }

    @Test
    public void dashboardApiLeavesOutRecordsOfJobsTheUserCannotRead() throws Exception {
        // Given a build of "shop" and a build of "other" that each recorded an image
        FreeStyleBuild shopBuild = buildThatRecorded(shop, "alice", new AuditEvent(AuditAction.IMAGE_BUILT, "web", null, null, null,
                "2.0", V2, null, Outcome.SUCCEEDED, null, Map.of()));
        FreeStyleBuild otherBuild = buildThatRecorded(other, "carol", new AuditEvent(AuditAction.MANUAL_CHANGE, "billing", "INT",
                "billing", "deployment/billing", "3.0", V1, null, Outcome.SUCCEEDED, "set up by hand", Map.of()));

        // When carol (who reads only "other") and alice (who reads only "shop") read the feed and the summary
        JenkinsRule.WebClient carol = j.createWebClient().login("carol");
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        List<String> carolsFeed = origins(api(carol, "api/v1/feed?limit=200").get("records"));
        List<String> alicesFeed = origins(api(alice, "api/v1/feed?limit=200").get("records"));
        JsonNode carolsSummary = api(carol, "api/v1/summary");
        JsonNode alicesSummary = api(alice, "api/v1/summary");

        // Then each sees only the records of the builds of jobs they can read, in the feed and in the matrix
        assertThat(carolsFeed).contains(BuildOrigin.url(otherBuild)).doesNotContain(BuildOrigin.url(shopBuild));
        assertThat(alicesFeed).contains(BuildOrigin.url(shopBuild)).doesNotContain(BuildOrigin.url(otherBuild));
        assertThat(carolsSummary.get("services").toString()).contains("billing");
        assertThat(alicesSummary.get("services").toString()).doesNotContain("billing");
        assertThat(StreamSupport.stream(alicesSummary.get("cells").spliterator(), false).map(c -> c.path("service").asText()))
                .doesNotContain("billing");
    }

    @Test
    public void dashboardNeedsOverallRead() throws Exception {
        // Given an anonymous visitor, who has no Overall/Read
        JenkinsRule.WebClient anonymous = j.createWebClient();
        anonymous.setThrowExceptionOnFailingStatusCode(false);
        anonymous.getOptions().setRedirectEnabled(false);
        anonymous.getOptions().setJavaScriptEnabled(false);

        // When they ask for the API
        Page page = anonymous.goTo(ReleasesDashboard.URL_NAME + "/api/v1/feed", null);

        // Then they get Jenkins's sign-in page instead of any record
        assertThat(page.getWebResponse().getContentAsString()).contains("Sign in to Jenkins").doesNotContain("\"records\"");
    }

    @Test
    public void verificationFailsNamingTheBuildWhoseRecordedHeadTheTrailContradicts() throws Exception {
        // Given a build whose Release page recorded its audit head, and the dashboard agreeing with it
        FreeStyleBuild build = buildThatRecorded(shop, "alice", new AuditEvent(AuditAction.NOTE, "web", null, null, null, null, null,
                null, Outcome.SUCCEEDED, "a note", Map.of()));
        JenkinsRule.WebClient admin = j.createWebClient().login("admin");
        assertThat(api(admin, "api/v1/verification").path("buildHeads").path("intact").asBoolean()).isTrue();
        ReleaseAction action = build.getAction(ReleaseAction.class);

        // When the build's head no longer matches the trail (as if the trail had been rewritten after the build)
        BuildHeads.get().record(new BuildHeads.Head(build.getExternalizableId(), action.getOrigin(), action.getHeadSeq(), "0".repeat(64)));
        JsonNode verification = api(admin, "api/v1/verification");

        // Then verification fails at that record, naming the build
        assertThat(verification.path("state").asText()).isEqualTo("FAILED");
        assertThat(verification.path("problem").path("kind").asText()).isEqualTo("BUILD_HEAD");
        assertThat(verification.path("problem").path("seq").asLong()).isEqualTo(action.getHeadSeq());
        assertThat(verification.path("problem").path("message").asText()).contains(action.getOrigin());
        BuildHeads.get().record(new BuildHeads.Head(build.getExternalizableId(), action.getOrigin(), action.getHeadSeq(),
                action.getHeadHash()));
    }

    @Test
    public void promoteWithoutTheDeployPermissionIsRefusedAndChangesNothing() throws Exception {
        // Given a build that started a canary of "cart", and bob, who may read the job but not deploy
        FreeStyleBuild build = buildThatStartedACanary("cart");
        int records = recordsOf(build).size();
        JenkinsRule.WebClient bob = j.createWebClient().login("bob");
        bob.setThrowExceptionOnFailingStatusCode(false);

        // When bob posts Promote with a valid crumb
        WebRequest post = new WebRequest(new URL(j.getURL(), build.getUrl() + "release/promote"), HttpMethod.POST);
        Page answer = bob.getPage(bob.addCrumb(post));

        // Then he is refused, nothing is recorded, the canary still runs, and his page shows no buttons
        assertThat(answer.getWebResponse().getStatusCode()).isEqualTo(403);
        assertThat(recordsOf(build)).hasSize(records);
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("cart-canary").get()).isNotNull();
        HtmlPage page = bob.getPage(build, "release");
        assertThat(page.getForms().stream().map(HtmlForm::getNameAttribute)).doesNotContain("promote", "rollback");
    }

    @Test
    public void promoteWithoutACrumbIsRefusedAndChangesNothing() throws Exception {
        // Given a build that started a canary of "shelf", and alice, who may deploy
        FreeStyleBuild build = buildThatStartedACanary("shelf");
        int records = recordsOf(build).size();
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        alice.setThrowExceptionOnFailingStatusCode(false);

        // When a POST to Promote arrives in her session without a crumb (as a cross-site form would send it)
        Page answer = alice.getPage(new WebRequest(new URL(j.getURL(), build.getUrl() + "release/promote"), HttpMethod.POST));

        // Then it is refused and nothing is recorded or changed
        assertThat(answer.getWebResponse().getStatusCode()).isEqualTo(403);
        assertThat(recordsOf(build)).hasSize(records);
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("shelf-canary").get()).isNotNull();
    }

    @Test
    public void promoteByAUserWithDeployMakesTheCanaryStableAndRecordsWhoPressed() throws Exception {
        // Given a build that started a canary of "web" (stable V1, canary V2)
        FreeStyleBuild build = buildThatStartedACanary("web");

        // When alice presses Promote on the build's Release page
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        HtmlPage page = alice.getPage(build, "release");
        j.submit(page.getFormByName("promote"));

        // Then the press is recorded with her name, the stable Deployment runs V2, PROMOTED names her, and the page shows it
        await().atMost(Duration.ofSeconds(60)).until(() -> recordsOf(build).stream().anyMatch(r -> r.event().action() == AuditAction.PROMOTED));
        List<AuditRecord> records = recordsOf(build);
        assertThat(records).anyMatch(r -> r.event().action() == AuditAction.NOTE && r.actor().equals("alice")
                && r.event().reason().startsWith("Promote pressed by alice"));
        assertThat(records).filteredOn(r -> r.event().action() == AuditAction.PROMOTED).singleElement()
                .satisfies(r -> assertThat(r.actor()).isEqualTo("alice"));
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("web").get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo(V2);
        assertThat(alice.getPage(build, "release").asNormalizedText()).contains("Promoted");
    }

    @Test
    public void promoteReachesTheClusterTheBuildDeployedToWithTheBuildsOwnCredentials() throws Exception {
        // Given a build whose canary of "api" runs on another cluster, which its steps reached by server URL and a token credential
        // (the controller's own kubeconfig names the first cluster, where there is no "api")
        try (SimulatedCluster other = new SimulatedCluster("shop")) {
            other.createApp("api", V1, 4);
            Fixtures.addSecretText("other-cluster-token", "other-cluster-token-value");
            FreeStyleBuild build = j.buildAndAssertSuccess(shop);
            new CanaryDeploy(other.client(), store(), new Origin("alice", BuildOrigin.url(build)), ProgressListener.SILENT, Lifecycle.DEFAULT)
                    .deploy(new CanaryRequest("shop", "api", ContainerImage.parse("image", V2), null, 25, TrafficRouting.replicas, "INT",
                            null, Duration.ofSeconds(30), false, null));
            build.replaceAction(new ClusterAccessAction(new KubernetesAccess(null, other.url(), "other-cluster-token", null)));
            ReleaseAction.attach(build);

            // When alice presses Promote on the build's Release page
            JenkinsRule.WebClient alice = j.createWebClient().login("alice");
            j.submit(alice.getPage(build, "release").getFormByName("promote"));

            // Then the other cluster's stable Deployment runs V2, and the token is not in build.xml
            await().atMost(Duration.ofSeconds(60)).until(() -> V2.equals(other.client().apps().deployments().inNamespace("shop")
                    .withName("api").get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
            build.save();
            assertThat(java.nio.file.Files.readString(build.getRootDir().toPath().resolve("build.xml")))
                    .contains("other-cluster-token").doesNotContain("other-cluster-token-value");
        }
    }

    @Test
    public void rollBackByAUserWithDeployRemovesTheCanaryAndRecordsWhoPressed() throws Exception {
        // Given a build that started a canary of "api"
        FreeStyleBuild build = buildThatStartedACanary("api");

        // When alice presses Roll back on the build's Release page
        JenkinsRule.WebClient alice = j.createWebClient().login("alice");
        j.submit(alice.getPage(build, "release").getFormByName("rollback"));

        // Then the canary is gone, the stable Deployment still runs V1, and ROLLED_BACK names her
        await().atMost(Duration.ofSeconds(60)).until(() -> recordsOf(build).stream().anyMatch(r -> r.event().action() == AuditAction.ROLLED_BACK));
        assertThat(recordsOf(build)).filteredOn(r -> r.event().action() == AuditAction.ROLLED_BACK).singleElement()
                .satisfies(r -> assertThat(r.actor()).isEqualTo("alice"));
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("api").get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo(V1);
    }

    @Test
    public void formChecksAndCredentialListsAnswerOnlyThoseWhoMayConfigureTheJob() throws Exception {
        // Given a bad timeout typed into the buildImage form of "shop", and credentials in the store
        Fixtures.addLogin("registry-login", "pusher", "not-shown");
        BuildImageStep.DescriptorImpl form = j.jenkins.getDescriptorByType(BuildImageStep.DescriptorImpl.class);

        // When bob (who may read "shop" but not configure it) and admin ask for the check and the list
        hudson.util.FormValidation forBob;
        List<String> bobsItems;
        try (hudson.security.ACLContext ignored = hudson.security.ACL.as2(hudson.model.User.getById("bob", true).impersonate2())) {
            forBob = form.doCheckTimeout(shop, "soon");
            bobsItems = form.doFillCredentialsIdItems(shop, null).stream().map(option -> option.value).toList();
        }
        hudson.util.FormValidation forAdmin;
        List<String> adminsItems;
        try (hudson.security.ACLContext ignored = hudson.security.ACL.as2(hudson.model.User.getById("admin", true).impersonate2())) {
            forAdmin = form.doCheckTimeout(shop, "soon");
            adminsItems = form.doFillCredentialsIdItems(shop, null).stream().map(option -> option.value).toList();
        }

        // Then bob learns nothing and sees no credentials; admin gets the engine's message and the list
        assertThat(forBob.kind).isEqualTo(hudson.util.FormValidation.Kind.OK);
        assertThat(bobsItems).doesNotContain("registry-login");
        assertThat(forAdmin.kind).isEqualTo(hudson.util.FormValidation.Kind.ERROR);
        assertThat(forAdmin.getMessage()).contains("timeout").contains("soon");
        assertThat(adminsItems).contains("registry-login");
    }

    @Test
    public void freestyleDeployCanaryThenPromoteActOnTheClusterAndShowOnTheReleasePage() throws Exception {
        // Given a freestyle job that deploys a canary of "store" at 25% and promotes it
        cluster.createApp("store", V1, 4);
        FreeStyleProject job = j.createFreeStyleProject("store-release");
        DeployCanaryStep canary = new DeployCanaryStep("shop", "store", V2);
        canary.setWeight(25);
        canary.setEnvironment("INT");
        job.getBuildersList().add(new DeployCanaryBuilder(canary));
        job.getBuildersList().add(new PromoteBuilder(new PromoteStep("shop", "store")));

        // When it runs
        FreeStyleBuild build = j.buildAndAssertSuccess(job);

        // Then the stable Deployment runs V2, and the Release page lists the canary and the promotion of this build
        assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("store").get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo(V2);
        assertThat(build.getAction(ReleaseAction.class).getRecords().stream().map(r -> r.event().action()))
                .contains(AuditAction.CANARY_STARTED, AuditAction.PROMOTED);
        j.assertLogContains("[deployCanary] result: {namespace=shop, deployment=store", build);
    }

    private static int observations(io.releasepilot.engine.act.RunId runId) throws Exception {
        java.util.Optional<String> state = store().actState().load(runId);
        return state.isEmpty() ? 0 : JSON.readTree(state.get()).path("observations").asInt();
    }

    private static WebRequest webhookPost(String token) throws Exception {
        WebRequest post = new WebRequest(new URL(j.getURL(), AlertmanagerWebhookAction.URL_NAME + "/"), HttpMethod.POST);
        post.setAdditionalHeader("Authorization", "Bearer " + token);
        post.setAdditionalHeader("Content-Type", "application/json");
        post.setRequestBody("{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"HighErrorRate\\\"}\",\"status\":\"firing\","
                + "\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"HighErrorRate\",\"service\":\"till\"}}]}");
        return post;
    }

    @Test
    public void webhookWithAWrongTokenDoesNothingAndWithTheRightOneTheWatchingBuildRollsBack() throws Exception {
        // Given a canary of "till" and a freestyle build watching Alertmanager for 10 minutes, asking only every 10 minutes
        cluster.createApp("till", V1, 4);
        FreeStyleBuild deployed = j.buildAndAssertSuccess(shop);
        new CanaryDeploy(cluster.client(), store(), new Origin("alice", BuildOrigin.url(deployed)), ProgressListener.SILENT,
                Lifecycle.DEFAULT).deploy(new CanaryRequest("shop", "till", ContainerImage.parse("image", V2), null, 25,
                TrafficRouting.replicas, "INT", null, Duration.ofSeconds(30), false, null));
        try (io.releasepilot.sandbox.servers.LocalAlertmanager alertmanager =
                     io.releasepilot.sandbox.servers.LocalAlertmanager.start(tmp.newFolder().toPath(), null, null)) {
            FreeStyleProject job = j.createFreeStyleProject("till-guard");
            RollbackOnAlertStep watch = new RollbackOnAlertStep("shop", "till");
            watch.setAlertmanagerUrl(alertmanager.url().toString());
            watch.setAlerts(List.of("HighErrorRate"));
            watch.setWindow("10m");
            watch.setInterval("10m");
            job.getBuildersList().add(new RollbackOnAlertBuilder(watch));
            FreeStyleBuild guard = job.scheduleBuild2(0).waitForStart();
            io.releasepilot.engine.act.RunId runId = new io.releasepilot.engine.act.RunId(BuildOrigin.url(guard) + "#rollbackOnAlert-1");
            // Its first observation (nothing firing yet) is recorded before the alert exists
            await().atMost(Duration.ofSeconds(60)).until(() -> observations(runId) >= 1);
            alertmanager.post("[{\"labels\":{\"alertname\":\"HighErrorRate\",\"service\":\"till\"},\"startsAt\":\""
                    + java.time.Instant.now().minusSeconds(5) + "\"}]");
            JenkinsRule.WebClient alertmanagerClient = j.createWebClient();
            alertmanagerClient.setThrowExceptionOnFailingStatusCode(false);

            // When the webhook is posted with a wrong token
            Page refused = alertmanagerClient.getPage(webhookPost("not-the-" + WEBHOOK_TOKEN));

            // Then it is refused, and the build still watches with the canary in place
            assertThat(refused.getWebResponse().getStatusCode()).isEqualTo(401);
            assertThat(guard.isBuilding()).isTrue();
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("till-canary").get()).isNotNull();

            // When it is posted with the right token
            Page accepted = alertmanagerClient.getPage(webhookPost(WEBHOOK_TOKEN));

            // Then the build looks at once, rolls the canary back and fails naming the alert
            assertThat(accepted.getWebResponse().getStatusCode()).isEqualTo(200);
            j.assertBuildStatus(hudson.model.Result.FAILURE, j.waitForCompletion(guard));
            j.assertLogContains("HighErrorRate", guard);
            assertThat(cluster.client().apps().deployments().inNamespace("shop").withName("till-canary").get()).isNull();
            assertThat(recordsOf(guard).stream().map(r -> r.event().action())).contains(AuditAction.ROLLED_BACK);
        }
    }
}
