package io.releasepilot.engine.snapshot;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.releasepilot.engine.snapshot.SimulatedRds.action;
import static io.releasepilot.engine.snapshot.SimulatedRds.error;
import static io.releasepilot.engine.snapshot.SimulatedRds.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RDS and Aurora snapshots through the real AWS SDK v2 client, against a SIMULATED RDS (WireMock). */
class RdsSnapshotterTest {

    private static final Origin ORIGIN = new Origin("alice", "https://jenkins.example.com/job/orders/42/");
    private static final Backoff FAST = new Backoff(Duration.ofMillis(5), 1.0, Duration.ofMillis(5));
    private static final SnapshotLabels LABELS = new SnapshotLabels("orders", "PROD", "1.4.2", ORIGIN.origin());

    private SimulatedRds rds;
    private AuditStore audit;
    private final List<String> console = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        rds = new SimulatedRds();
        audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:rds" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    @AfterEach
    void stop() {
        audit.close();
        rds.close();
    }

    private final RunId run = new RunId("https://jenkins.example.com/job/orders/42/#7");

    private RunId run() {
        return run;
    }

    private RdsSnapshotter snapshotter(AwsAccess access) {
        return RdsSnapshotter.connect(access, audit, ORIGIN, console::add).withBackoff(FAST);
    }

    private SnapshotResult snapshotInstance(String template, Integer retain, Duration timeout, boolean dryRun) throws Exception {
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            return s.snapshot(new RdsSnapshotRequest(RdsSnapshotRequest.Source.instance("orders-db"), template, LABELS, retain, timeout, dryRun), run());
        }
    }

    private void givenInstance(String status) {
        rds.stub(action("DescribeDBInstances"), 200, ok("DescribeDBInstances", SimulatedRds.instance("orders-db", status)));
    }

    private void givenCreateAnswers(String id) {
        rds.stub(action("CreateDBSnapshot"), 200,
                ok("CreateDBSnapshot", SimulatedRds.snapshot(id, "orders-db", "creating", 0, Instant.now(), "release-pilot")));
    }

    private void givenStatusSequence(String id, String... statuses) {
        List<Map.Entry<Integer, String>> answers = new java.util.ArrayList<>();
        // the snapshotter describes the id before it creates anything
        answers.add(SimulatedRds.snapshotNotFound());
        int progress = 0;
        for (String status : statuses) {
            progress = "available".equals(status) ? 100 : Math.min(99, progress + 40);
            answers.add(Map.entry(200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                    + SimulatedRds.snapshot(id, "orders-db", status, progress, Instant.now(), "release-pilot") + "</DBSnapshots>")));
        }
        rds.stubSequence("status", () -> action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=" + id)), answers);
    }

    private List<String> bodiesOf(String action) {
        return rds.server().findAll(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=" + action)))
                .stream().map(LoggedRequest::getBodyAsString).map(b -> URLDecoder.decode(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void anInstanceSnapshotIsTaggedWaitedForUntilAvailableAndAudited() throws Exception {
        givenInstance("available");
        givenCreateAnswers("orders-before-migration");
        givenStatusSequence("orders-before-migration", "creating", "creating", "available");

        SnapshotResult result = snapshotInstance("orders-before-migration", null, Duration.ofMinutes(5), false);

        assertThat(result.location()).isEqualTo(SimulatedRds.snapshotArn("orders-before-migration"));
        assertThat(result.created()).isTrue();
        assertThat(result.attempts()).isEqualTo(4);
        String create = bodiesOf("CreateDBSnapshot").get(0);
        assertThat(create).contains("DBInstanceIdentifier=orders-db", "DBSnapshotIdentifier=orders-before-migration",
                "Key=release-pilot:managed-by", "Value=release-pilot", "Key=release-pilot:service", "Value=orders",
                "Key=release-pilot:environment", "Value=PROD", "Key=release-pilot:release", "Value=1.4.2",
                "Key=release-pilot:build", "Value=https://jenkins.example.com/job/orders/42/");
        AuditRecord record = audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)).get(0);
        assertThat(record.event().target()).isEqualTo(result.location());
        assertThat(record.event().outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(record.event().details()).containsEntry("attempts", "4").containsEntry("source", "instance/orders-db");
        assertThat(console).anyMatch(l -> l.contains("snapshot orders-before-migration available"));
    }

    @Test
    void theDefaultSnapshotIdIsServiceEnvironmentAndTheRunsToken() throws Exception {
        givenInstance("available");
        String id = "rp-orders-prod-" + SnapshotIds.runToken(LABELS, run);
        rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                SimulatedRds.snapshot(id, "orders-db", "available", 100, Instant.now(), "release-pilot")));

        SnapshotResult result = snapshotInstance(null, null, Duration.ofMinutes(5), false);

        assertThat(result.snapshotId()).isEqualTo(id).matches("rp-orders-prod-[0-9a-f]{12}");
        assertThat(bodiesOf("CreateDBSnapshot").get(0)).contains("DBSnapshotIdentifier=" + result.snapshotId());
    }

    @Test
    void anAuroraClusterSnapshotUsesCreateDbClusterSnapshot() throws Exception {
        rds.stub(action("DescribeDBClusters"), 200, ok("DescribeDBClusters", SimulatedRds.cluster("orders-aurora", "available")));
        rds.stub(action("CreateDBClusterSnapshot"), 200, ok("CreateDBClusterSnapshot",
                SimulatedRds.clusterSnapshot("orders-c1", "orders-aurora", "creating", 0, Instant.now(), "release-pilot")));
        rds.stubSequence("cluster-status", () -> action("DescribeDBClusterSnapshots"), List.of(
                Map.entry(404, error("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot orders-c1 not found.")),
                Map.entry(200, ok("DescribeDBClusterSnapshots", "<DBClusterSnapshots>"
                        + SimulatedRds.clusterSnapshot("orders-c1", "orders-aurora", "available", 100, Instant.now(), "release-pilot")
                        + "</DBClusterSnapshots>"))));

        SnapshotResult result;
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            result = s.snapshot(new RdsSnapshotRequest(RdsSnapshotRequest.Source.cluster("orders-aurora"), "orders-c1", LABELS, null,
                    Duration.ofMinutes(5), false), run());
        }

        assertThat(result.location()).isEqualTo(SimulatedRds.clusterSnapshotArn("orders-c1"));
        assertThat(bodiesOf("CreateDBClusterSnapshot").get(0)).contains("DBClusterIdentifier=orders-aurora",
                "DBClusterSnapshotIdentifier=orders-c1", "Key=release-pilot:managed-by");
        assertThat(bodiesOf("CreateDBSnapshot")).isEmpty();
    }

    @Test
    void clusterRetentionDeletesOnlyItsOwnOlderClusterSnapshots() throws Exception {
        rds.stub(action("DescribeDBClusters"), 200, ok("DescribeDBClusters", SimulatedRds.cluster("orders-aurora", "available")));
        rds.stub(action("CreateDBClusterSnapshot"), 200, ok("CreateDBClusterSnapshot",
                SimulatedRds.clusterSnapshot("c-new", "orders-aurora", "available", 100, Instant.now(), "release-pilot")));
        rds.stub(action("DescribeDBClusterSnapshots").withRequestBody(containing("SnapshotType=manual")), 200,
                ok("DescribeDBClusterSnapshots", "<DBClusterSnapshots>"
                + SimulatedRds.clusterSnapshot("c-old", "orders-aurora", "available", 100, Instant.parse("2026-11-01T00:00:00Z"), "release-pilot")
                + SimulatedRds.clusterSnapshot("c-dba", "orders-aurora", "available", 100, Instant.parse("2025-11-01T00:00:00Z"), null)
                + SimulatedRds.clusterSnapshot("c-new", "orders-aurora", "available", 100, Instant.now(), "release-pilot")
                + "</DBClusterSnapshots>"));
        rds.stub(action("DeleteDBClusterSnapshot"), 200, ok("DeleteDBClusterSnapshot",
                SimulatedRds.clusterSnapshot("c-old", "orders-aurora", "deleted", 100, Instant.parse("2026-11-01T00:00:00Z"), "release-pilot")));

        SnapshotResult result;
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            result = s.snapshot(new RdsSnapshotRequest(RdsSnapshotRequest.Source.cluster("orders-aurora"), "c-new", LABELS, 1,
                    Duration.ofMinutes(5), false), run());
        }

        assertThat(result.pruned()).extracting(SnapshotResult.PrunedSnapshot::location).containsExactly(SimulatedRds.clusterSnapshotArn("c-old"));
        assertThat(bodiesOf("DeleteDBClusterSnapshot")).singleElement().asString().contains("DBClusterSnapshotIdentifier=c-old");
    }

    @Test
    void aMissingInstanceSaysSoNamingTheRegion() {
        rds.stub(action("DescribeDBInstances"), 404, error("DBInstanceNotFound", "DBInstance orders-db not found."));

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(1), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("RDS DB instance 'orders-db' was not found in region eu-west-1")
                .hasMessageContaining("check --instance and --region");
        assertThat(bodiesOf("CreateDBSnapshot")).isEmpty();
    }

    @Test
    void anInstanceThatIsModifyingCannotBeSnapshottedAndTheMessageSaysWhy() {
        givenInstance("modifying");
        rds.stub(action("CreateDBSnapshot"), 400, error("InvalidDBInstanceState", "Cannot create a snapshot because the database instance orders-db is not currently in the available state."));

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(1), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("RDS DB instance 'orders-db' cannot be snapshotted now: it is 'modifying'")
                .hasMessageContaining("Wait until it is available and run again; nothing was created");
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)))
                .singleElement().satisfies(r -> assertThat(r.event().outcome()).isEqualTo(Outcome.FAILED));
    }

    @Test
    void aFullSnapshotQuotaSaysWhatToDo() {
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 400, error("SnapshotQuotaExceeded", "Cannot create more than 100 manual snapshots"));

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(1), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("quota of manual snapshots in region eu-west-1 is used up (SnapshotQuotaExceeded)")
                .hasMessageContaining("use --retain");
    }

    @Test
    void aSnapshotNameTakenBySomeoneElseIsLeftAloneAndReported() {
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 400, error("DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier s1 already exists."));
        rds.stub(action("DescribeDBSnapshots"), 200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                + SimulatedRds.snapshot("s1", "billing-db", "available", 100, Instant.parse("2026-01-01T00:00:00Z"), null) + "</DBSnapshots>"));

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(1), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessage("RDS snapshot 's1' already exists (of 'billing-db', not taken by Release Pilot for DB instance 'orders-db'): "
                        + "choose another --snapshot-id; the existing snapshot was left alone");
        assertThat(bodiesOf("DeleteDBSnapshot")).isEmpty();
    }

    @Test
    void rerunningWithTheSameIdAdoptsItsOwnSnapshotInsteadOfFailing() throws Exception {
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 400, error("DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier s1 already exists."));
        rds.stub(action("DescribeDBSnapshots"), 200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                + SimulatedRds.snapshot("s1", "orders-db", "available", 100, Instant.now(), "release-pilot") + "</DBSnapshots>"));

        SnapshotResult result = snapshotInstance("s1", null, Duration.ofMinutes(1), false);

        assertThat(result.location()).isEqualTo(SimulatedRds.snapshotArn("s1"));
        assertThat(console).anyMatch(l -> l.contains("already exists (taken by Release Pilot for it"));
    }

    @Test
    void throttledCallsAreRetriedUntilTheyGoThrough() throws Exception {
        givenInstance("available");
        rds.stubSequence("throttle", () -> action("CreateDBSnapshot"), List.of(
                Map.entry(400, error("Throttling", "Rate exceeded")),
                Map.entry(400, error("Throttling", "Rate exceeded")),
                Map.entry(200, ok("CreateDBSnapshot", SimulatedRds.snapshot("s1", "orders-db", "available", 100, Instant.now(), "release-pilot")))));

        SnapshotResult result = snapshotInstance("s1", null, Duration.ofMinutes(1), false);

        assertThat(result.location()).isEqualTo(SimulatedRds.snapshotArn("s1"));
        assertThat(bodiesOf("CreateDBSnapshot")).hasSize(3);
    }

    @Test
    void throttlingThatNeverEndsIsReportedAsSuch() {
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 400, error("Throttling", "Rate exceeded"));

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(1), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("RDS kept throttling CreateDBSnapshot for DB instance 'orders-db' after 8 attempts");
    }

    @Test
    void aSnapshotThatNeverBecomesAvailableTimesOutWithAClearMessage() {
        givenInstance("available");
        givenCreateAnswers("s1");
        givenStatusSequence("s1", "creating");

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMillis(300), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("RDS snapshot 's1' of DB instance 'orders-db' was still 'creating' (40%) when the timeout of 300ms passed")
                .hasMessageContaining("run again with --snapshot-id s1 to wait for the same snapshot");
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)))
                .singleElement().satisfies(r -> {
                    assertThat(r.event().outcome()).isEqualTo(Outcome.FAILED);
                    assertThat(r.event().reason()).contains("was still 'creating'");
                });
    }

    @Test
    void aSnapshotThatFailsEndsTheWaitAtOnce() {
        givenInstance("available");
        givenCreateAnswers("s1");
        givenStatusSequence("s1", "creating", "failed");

        assertThatThrownBy(() -> snapshotInstance("s1", null, Duration.ofMinutes(5), false))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("RDS snapshot 's1' of DB instance 'orders-db' ended in status 'failed'");
    }

    private void givenManagedSnapshots() {
        rds.stub(action("DescribeDBSnapshots").withRequestBody(containing("SnapshotType=manual")), 200, ok("DescribeDBSnapshots", "<DBSnapshots>"
                + SimulatedRds.snapshot("old-1", "orders-db", "available", 100, Instant.parse("2026-11-01T00:00:00Z"), "release-pilot")
                + SimulatedRds.snapshot("old-2", "orders-db", "available", 100, Instant.parse("2026-11-10T00:00:00Z"), "release-pilot")
                + SimulatedRds.snapshot("old-3", "orders-db", "available", 100, Instant.parse("2026-11-20T00:00:00Z"), "release-pilot")
                + SimulatedRds.snapshot("dba-manual", "orders-db", "available", 100, Instant.parse("2025-01-01T00:00:00Z"), null)
                + SimulatedRds.snapshot("s-new", "orders-db", "available", 100, Instant.now(), "release-pilot")
                + "</DBSnapshots>"));
        rds.stub(action("DeleteDBSnapshot"), 200, ok("DeleteDBSnapshot",
                SimulatedRds.snapshot("old-1", "orders-db", "deleted", 100, Instant.parse("2026-11-01T00:00:00Z"), "release-pilot")));
    }

    @Test
    void retentionDeletesOnlyTheOldestOfItsOwnSnapshotsOfThatInstance() throws Exception {
        givenInstance("available");
        givenCreateAnswers("s-new");
        givenStatusSequence("s-new", "available");
        givenManagedSnapshots();

        SnapshotResult result = snapshotInstance("s-new", 2, Duration.ofMinutes(5), false);

        assertThat(result.pruned()).extracting(SnapshotResult.PrunedSnapshot::snapshotId).containsExactly("old-1", "old-2");
        assertThat(bodiesOf("DeleteDBSnapshot")).hasSize(2)
                .anyMatch(b -> b.contains("DBSnapshotIdentifier=old-1"))
                .anyMatch(b -> b.contains("DBSnapshotIdentifier=old-2"))
                .noneMatch(b -> b.contains("dba-manual") || b.contains("old-3") || b.contains("s-new"));
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_PRUNED, null, 10)))
                .extracting(r -> r.event().target())
                .containsExactlyInAnyOrder(SimulatedRds.snapshotArn("old-1"), SimulatedRds.snapshotArn("old-2"));
    }

    @Test
    void aDryRunCreatesAndDeletesNothingButListsWhatWouldGo() throws Exception {
        givenInstance("available");
        givenManagedSnapshots();
        long before = audit.head().seq();

        SnapshotResult result = snapshotInstance("s-next", 3, Duration.ofMinutes(5), true);

        assertThat(result.created()).isFalse();
        assertThat(result.pruned()).extracting(SnapshotResult.PrunedSnapshot::snapshotId).containsExactly("old-1", "old-2");
        assertThat(bodiesOf("CreateDBSnapshot")).isEmpty();
        assertThat(bodiesOf("DeleteDBSnapshot")).isEmpty();
        assertThat(audit.head().seq()).isEqualTo(before);
        assertThat(console).anyMatch(l -> l.contains("dry run: would prune old-1"));
    }

    @Test
    void anAssumedRoleSignsTheRdsCallsWithItsTemporaryCredentials() throws Exception {
        rds.stubAssumeRole("ASIAASSUMEDROLEKEY01", "assumed-secret", "assumed-session-token");
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                SimulatedRds.snapshot("s1", "orders-db", "available", 100, Instant.now(), "release-pilot")));

        try (RdsSnapshotter s = snapshotter(rds.access().assumingRole("arn:aws:iam::123456789012:role/deployer"))) {
            s.snapshot(new RdsSnapshotRequest(RdsSnapshotRequest.Source.instance("orders-db"), "s1", LABELS, null, Duration.ofMinutes(1), false), run());
        }

        assertThat(bodiesOf("AssumeRole")).singleElement().asString()
                .contains("RoleArn=arn:aws:iam::123456789012:role/deployer", "RoleSessionName=release-pilot");
        rds.server().verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=AssumeRole"))
                .withHeader("Authorization", containing("Credential=AKIATESTTESTTESTTEST/")));
        rds.server().verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=CreateDBSnapshot"))
                .withHeader("Authorization", containing("Credential=ASIAASSUMEDROLEKEY01/"))
                .withHeader("X-Amz-Security-Token", WireMock.equalTo("assumed-session-token")));
    }

    @Test
    void sessionKeysSendTheirSessionToken() throws Exception {
        givenInstance("available");
        rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                SimulatedRds.snapshot("s1", "orders-db", "available", 100, Instant.now(), "release-pilot")));
        AwsAccess session = AwsAccess.keys(SimulatedRds.REGION, "ASIASESSIONKEY000001", "session-secret".toCharArray(),
                "the-session-token".toCharArray()).withEndpoints(rds.endpoint(), rds.endpoint());

        try (RdsSnapshotter s = snapshotter(session)) {
            s.snapshot(new RdsSnapshotRequest(RdsSnapshotRequest.Source.instance("orders-db"), "s1", LABELS, null, Duration.ofMinutes(1), false), run());
        }

        rds.server().verify(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=CreateDBSnapshot"))
                .withHeader("Authorization", containing("Credential=ASIASESSIONKEY000001/" ))
                .withHeader("X-Amz-Security-Token", WireMock.equalTo("the-session-token")));
        assertThat(session.toString()).doesNotContain("session-secret").doesNotContain("the-session-token");
    }

    private RdsSnapshotRequest defaultRequest() {
        return new RdsSnapshotRequest(RdsSnapshotRequest.Source.instance("orders-db"), null, LABELS, null, Duration.ofMinutes(30), false);
    }

    private void givenAvailableFromNowOn(String id) {
        rds.stub(action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=" + id)).atPriority(1), 200,
                ok("DescribeDBSnapshots", "<DBSnapshots>" + SimulatedRds.snapshot(id, "orders-db", "available", 100, Instant.now(), "release-pilot")
                        + "</DBSnapshots>"));
    }

    @Test
    void aRunResumedAfterARestartWaitsForItsSnapshotAndKeepsItsDeadlineInsteadOfTakingASecond() throws Exception {
        // Given a run whose controller died while RDS was still creating its snapshot
        givenInstance("available");
        String id = "rp-orders-prod-" + SnapshotIds.runToken(LABELS, run);
        givenCreateAnswers(id);
        givenStatusSequence(id, "creating");
        ScheduledExecutorService controller = ActScheduler.create("test-controller", 1);
        Instant deadline;
        try (RdsSnapshotter first = snapshotter(rds.access()).withScheduler(controller)) {
            ActHandle<SnapshotResult> waiting = first.start(defaultRequest(), run);
            deadline = waiting.deadline();
            await().atMost(Duration.ofSeconds(30)).until(() -> bodiesOf("DescribeDBSnapshots").size() >= 3);
            controller.shutdownNow();
        }
        givenAvailableFromNowOn(id);

        // When new engine objects resume the same run id
        ActHandle<SnapshotResult> resumed;
        SnapshotResult result;
        try (RdsSnapshotter second = snapshotter(rds.access())) {
            resumed = second.resume(run);
            result = resumed.await();
        }

        // Then they waited for the same snapshot, by the same deadline, and created none
        assertThat(resumed.deadline()).isEqualTo(deadline);
        assertThat(result.snapshotId()).isEqualTo(id);
        assertThat(bodiesOf("CreateDBSnapshot")).hasSize(1);
    }

    @Test
    void theSameRunStartedAgainAfterItsSnapshotIsDoneMakesNoSecondOne() throws Exception {
        givenInstance("available");
        String id = "rp-orders-prod-" + SnapshotIds.runToken(LABELS, run);
        rds.stub(action("CreateDBSnapshot"), 200, ok("CreateDBSnapshot",
                SimulatedRds.snapshot(id, "orders-db", "available", 100, Instant.now(), "release-pilot")));
        SnapshotResult first;
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            first = s.snapshot(defaultRequest(), run);
        }

        SnapshotResult again;
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            again = s.snapshot(defaultRequest(), run);
        }

        assertThat(again.location()).isEqualTo(first.location());
        assertThat(bodiesOf("CreateDBSnapshot")).hasSize(1);
        assertThat(audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10))).hasSize(1);
    }

    @Test
    void aRunRepeatedWhileItsSnapshotExistsDescribesItFirstAndCreatesNothing() throws Exception {
        givenInstance("available");
        String id = "rp-orders-prod-" + SnapshotIds.runToken(LABELS, run);
        givenAvailableFromNowOn(id);

        SnapshotResult result;
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            result = s.snapshot(defaultRequest(), run);
        }

        assertThat(result.snapshotId()).isEqualTo(id);
        assertThat(bodiesOf("CreateDBSnapshot")).isEmpty();
        assertThat(console).anyMatch(l -> l.contains("snapshot " + id + " already exists"));
    }

    @Test
    void stoppingTheWaitRecordsItAsCancelledAndTheSameRunWaitsForTheSameSnapshotLater() throws Exception {
        givenInstance("available");
        String id = "rp-orders-prod-" + SnapshotIds.runToken(LABELS, run);
        givenCreateAnswers(id);
        givenStatusSequence(id, "creating");
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            ActHandle<SnapshotResult> waiting = s.start(defaultRequest(), run);

            waiting.stop("the build was aborted");

            assertThatThrownBy(() -> waiting.completion().join()).hasCauseInstanceOf(ActCancelledException.class)
                    .hasMessageContaining("the same run id resumes the wait");
        }
        AuditRecord cancelled = audit.list(new AuditFilter(null, null, AuditAction.SNAPSHOT_CREATED, null, 10)).get(0);
        assertThat(cancelled.event().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(cancelled.event().reason()).contains("the build was aborted");

        givenAvailableFromNowOn(id);
        try (RdsSnapshotter s = snapshotter(rds.access())) {
            assertThat(s.resume(run).await().snapshotId()).isEqualTo(id);
        }
        assertThat(bodiesOf("CreateDBSnapshot")).hasSize(1);
    }
}
