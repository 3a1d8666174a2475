package io.releasepilot.engine.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything a snapshot step refuses before it touches anything, each with the parameter, the value and the accepted form. */
class SnapshotInputTest {

    private static final SnapshotLabels LABELS = new SnapshotLabels("orders.api", "prod", "1.4.2", null);
    private static final Instant NOW = Instant.parse("2026-11-22T01:02:03Z");
    private static final RunId RUN = new RunId("https://jenkins.example.com/job/orders/42/#17");

    @Test
    void theDefaultTemplateGivesServiceEnvironmentAndARunTokenInRdsForm() {
        assertThat(SnapshotIds.rds(SnapshotIds.defaultTemplate(LABELS), LABELS, RUN, NOW)).matches("rp-orders-api-prod-[0-9a-f]{12}");
    }

    @Test
    void theDefaultIdOfARunIsTheSameWhenItIsRunAgainLater() {
        String first = SnapshotIds.rds(SnapshotIds.defaultTemplate(LABELS), LABELS, RUN, NOW);

        String again = SnapshotIds.rds(SnapshotIds.defaultTemplate(LABELS), LABELS, new RunId(RUN.value()), NOW.plusSeconds(3600));

        assertThat(again).isEqualTo(first);
    }

    @Test
    void anotherRunOrAnotherReleaseGetsAnotherDefaultId() {
        String first = SnapshotIds.rds(SnapshotIds.defaultTemplate(LABELS), LABELS, RUN, NOW);
        SnapshotLabels nextRelease = new SnapshotLabels("orders.api", "prod", "1.4.3", null);

        assertThat(SnapshotIds.rds(SnapshotIds.defaultTemplate(LABELS), LABELS, new RunId(RUN.value() + "8"), NOW)).isNotEqualTo(first);
        assertThat(SnapshotIds.rds(SnapshotIds.defaultTemplate(nextRelease), nextRelease, RUN, NOW)).isNotEqualTo(first);
    }

    @Test
    void withoutAnEnvironmentTheDefaultTemplateLeavesItOut() {
        SnapshotLabels noEnv = new SnapshotLabels("orders", null, null, null);
        assertThat(SnapshotIds.rds(SnapshotIds.defaultTemplate(noEnv), noEnv, RUN, NOW)).matches("rp-orders-[0-9a-f]{12}");
    }

    @Test
    void aTemplateMayStillUseTheUtcTime() {
        assertThat(SnapshotIds.rds("pre-{timestamp}", LABELS, RUN, NOW)).isEqualTo("pre-20261122-010203");
    }

    @Test
    void aTemplateMayUseTheRelease() {
        assertThat(SnapshotIds.rds("pre-{release}", LABELS, RUN, NOW)).isEqualTo("pre-1-4-2");
        assertThat(SnapshotIds.file("pre_{release}", LABELS, RUN, NOW)).isEqualTo("pre_1-4-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9lives", "two--hyphens", "ends-", "under_score", "has space", "{unknown}-x"})
    void snapshotIdsThatBreakRdsRulesAreRefused(String id) {
        assertThatThrownBy(() -> SnapshotIds.rds(id, LABELS, RUN, NOW))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).parameter()).isEqualTo("snapshot-id"))
                .hasMessageContaining("expected an RDS snapshot identifier");
    }

    @Test
    void aSnapshotIdLongerThan255IsRefused() {
        assertThatThrownBy(() -> SnapshotIds.rds("a" + "b".repeat(255), LABELS, RUN, NOW)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1db", "orders--db", "orders-", "orders_db", ""})
    void instanceIdentifiersThatBreakRdsRulesAreRefused(String id) {
        assertThatThrownBy(() -> RdsSnapshotRequest.Source.instance(id))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid instance: '" + id + "' (expected an RDS DB instance identifier");
    }

    @Test
    void aClusterIdentifierOver63CharactersIsRefused() {
        String id = "c" + "x".repeat(63);
        assertThatThrownBy(() -> RdsSnapshotRequest.Source.cluster(id))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid cluster: '" + id + "'");
    }

    @Test
    void identifiersAreComparedAsRdsDoesInLowerCase() {
        assertThat(RdsSnapshotRequest.Source.instance("Orders-DB").identifier()).isEqualTo("orders-db");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void retainBelowOneIsRefused(int retain) {
        assertThatThrownBy(() -> new RdsSnapshotRequest(RdsSnapshotRequest.Source.instance("orders-db"), null, LABELS, retain, null, false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid retain: '" + retain + "' (expected a whole number of snapshots to keep, 1 or more)");
    }

    @Test
    void anUnknownEngineIsRefused() {
        assertThatThrownBy(() -> SnapshotEngine.parse("mysql"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid engine: 'mysql' (expected rds or postgres)");
        assertThat(SnapshotEngine.parse("RDS")).isEqualTo(SnapshotEngine.RDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe", "eu-west", "eu_west_1", ""})
    void anInvalidRegionIsRefused(String region) {
        assertThatThrownBy(() -> AwsAccess.defaultChain(region))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid region: '" + region + "'");
    }

    @Test
    void aRoleThatIsNotAnIamRoleArnIsRefused() {
        assertThatThrownBy(() -> AwsAccess.defaultChain("eu-west-1").assumingRole("deployer"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid role-arn: 'deployer'");
    }

    private static PostgresSnapshotRequest pg(String host, int port, String database, String user, String dir) {
        return new PostgresSnapshotRequest(host, port, database, user, null, dir, null, LABELS, null, Duration.ofMinutes(1), false);
    }

    @Test
    void aDatabaseNameThatPgDumpWouldReadAsAConnectionStringIsRefused() {
        assertThatThrownBy(() -> pg("db", 5432, "host=evil.example.com", "app", "/tmp"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid database: 'host=evil.example.com'");
    }

    @Test
    void aUserNameThatLooksLikeAnOptionIsRefused() {
        assertThatThrownBy(() -> pg("db", 5432, "orders", "--help", "/tmp"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid username: '--help'");
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertThatThrownBy(() -> pg("db", 70000, "orders", "app", "/tmp"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid port: '70000' (expected a TCP port, 1-65535)");
    }

    @Test
    void aRelativeOutputDirectoryIsRefused() {
        assertThatThrownBy(() -> pg("db", 5432, "orders", "app", "dumps"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid output-dir: 'dumps'");
    }

    @Test
    void aHostWithSpacesIsRefused() {
        assertThatThrownBy(() -> pg("db host", 5432, "orders", "app", "/tmp"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid host: 'db host'");
    }

    @Test
    void aDumpNameWithAPathIsRefused() {
        assertThatThrownBy(() -> SnapshotIds.file("../etc/passwd", LABELS, RUN, NOW))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected a file name");
    }

    @Test
    void aReleaseWithCharactersTagsCannotHoldIsRefused() {
        assertThatThrownBy(() -> new SnapshotLabels("orders", null, "1.0<script>", null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid release: '1.0<script>'");
    }

    @Test
    void retentionKeepsTheNewestCountingTheNewOne() {
        record Snap(String id, Instant at) {
        }
        List<Snap> existing = List.of(new Snap("b", Instant.parse("2026-01-02T00:00:00Z")), new Snap("a", Instant.parse("2026-01-01T00:00:00Z")),
                new Snap("c", Instant.parse("2026-01-03T00:00:00Z")), new Snap("creating", null));

        assertThat(Retention.toPrune(existing, Snap::at, 3)).extracting(Snap::id).containsExactly("a", "b");
        assertThat(Retention.toPrune(existing, Snap::at, 1)).extracting(Snap::id).containsExactly("a", "b", "c", "creating");
        assertThat(Retention.toPrune(existing, Snap::at, 5)).isEmpty();
    }

    @Test
    void thePasswordFileIsReadTheLibpqWay(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pgpass");
        Files.writeString(file, """
                # comment
                other:5432:*:*:not-this
                db.example.com:5432:orders:app:pa\\:ss\\\\word
                *:*:*:*:fallback
                """);

        assertThat(PgPassFile.lookup(file, "db.example.com", 5432, "orders", "app")).hasValueSatisfying(p -> assertThat(p.reveal()).isEqualTo("pa:ss\\word"));
        assertThat(PgPassFile.lookup(file, "db.example.com", 5433, "orders", "app")).hasValueSatisfying(p -> assertThat(p.reveal()).isEqualTo("fallback"));
        assertThat(PgPassFile.lookup(dir.resolve("missing"), "h", 1, "d", "u")).isEmpty();
    }

    @Test
    void aPasswordShowsAsStarsWhenPrinted() {
        assertThat(DatabasePassword.of("s3cret")).hasToString("****");
        PostgresSnapshotRequest withPassword = new PostgresSnapshotRequest("db", 5432, "orders", "app", DatabasePassword.of("s3cret"), "/tmp",
                null, LABELS, null, null, false);
        assertThat(withPassword.toString()).doesNotContain("s3cret");
    }
}
