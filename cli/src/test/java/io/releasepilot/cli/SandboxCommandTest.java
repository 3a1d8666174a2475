package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code release-pilot sandbox --no-serve}: the scripted release, played once for the whole class. */
class SandboxCommandTest {

    @TempDir
    static Path dir;

    private static Path work;
    private static CliRun run;

    @BeforeAll
    static void playTheRelease() {
        work = dir.resolve("sandbox");
        run = CliRun.of("--actor", "sandbox-test", "sandbox", "--no-serve", "--work-dir", work.toString());
    }

    private static List<AuditRecord> records(String service, String environment, AuditAction action) {
        try (AuditStore store = AuditStores.open(new AuditStores.Config(work.resolve("audit").toString()))) {
            return store.list(new AuditFilter(service, environment, action, null, 100));
        }
    }

    @Test
    void itRunsThroughEveryActAndExitsZero() {
        // Given the release played once (setup); then it exited 0 after the last act
        assertThat(run.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isZero();
        assertThat(run.out()).contains("[sandbox] == act 1: buildImage").contains("[sandbox] done.");
    }

    @Test
    void itsAuditTrailVerifiesWithTheSandboxesCheckpointKey() {
        // When the trail it wrote is verified with the key it made
        CliRun verify = CliRun.of("--audit-store", work.resolve("audit").toString(), "audit", "verify",
                "--public-key", work.resolve("checkpoint-key.pub.pem").toString());

        // Then the chain and the checkpoint signature hold
        assertThat(verify.exitCode()).as("audit verify: %s %s", verify.out(), verify.err()).isZero();
    }

    @Test
    void theAlertRollsTheWebCanaryBackInUat() {
        // Then UAT's web has one fired alert (the fixed canary's watch stays quiet) and one rollback
        assertThat(records("web", "UAT", AuditAction.ALERT_FIRED)).hasSize(1);
        assertThat(records("web", "UAT", AuditAction.ROLLED_BACK)).extracting(r -> r.event().outcome()).containsExactly(Outcome.SUCCEEDED);
    }

    @Test
    void theFixIsPromotedThroughEveryEnvironment() {
        // Then web 1.1.1 was promoted in INT, UAT and PROD
        for (String environment : List.of("INT", "UAT", "PROD")) {
            assertThat(records("web", environment, AuditAction.PROMOTED)).as("web promoted in %s", environment)
                    .anySatisfy(r -> assertThat(r.event().release()).isEqualTo("1.1.1"));
        }
    }

    @Test
    void theGateDeniesTheRolledBackImageInProd() {
        // When the trail is read for PROD's web denials
        List<AuditRecord> denied = records("web", "PROD", AuditAction.GATE_DENIED);

        // Then the one denial is of the 1.1.0 image that never passed UAT
        assertThat(denied).hasSize(1);
        assertThat(denied.get(0).event().outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.get(0).event().release()).isEqualTo("1.1.0");
    }

    @Test
    void theHotfixGoesToProdWithItsReason() {
        // When the trail is read for PROD's worker hotfixes
        List<AuditRecord> hotfixes = records("worker", "PROD", AuditAction.HOTFIX);

        // Then each carries the reason, and 1.1.2 was promoted
        assertThat(hotfixes).isNotEmpty();
        assertThat(hotfixes).allSatisfy(r -> assertThat(r.event().reason()).contains("poison messages"));
        assertThat(records("worker", "PROD", AuditAction.PROMOTED)).anySatisfy(r -> assertThat(r.event().release()).isEqualTo("1.1.2"));
    }

    @Test
    void eachSkippedOrRealServerIsNamedOnTheConsole() {
        // Then the console says, for builds, the snapshot and the alerts, whether a real server was used or why not
        String out = run.out();
        assertThat(out).containsAnyOf("[buildImage] a real buildah", "[buildImage] skipped:");
        assertThat(out).containsAnyOf("[dbSnapshot] a real PostgreSQL", "[dbSnapshot] skipped:");
        assertThat(out).containsAnyOf("alerts: a real Prometheus", "alerts: Prometheus is not installed");
    }

    @Test
    void aWorkDirThatIsNotEmptyIsRefusedBeforeAnythingStarts() throws Exception {
        // Given a work dir with a file in it
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("something"), "x");

        // When the sandbox is asked to use it
        CliRun refused = CliRun.of("sandbox", "--no-serve", "--work-dir", used.toString());

        // Then it is invalid input naming the directory
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("invalid work-dir: '" + used + "'").contains("a new or empty directory");
    }

    @Test
    void anAuditStoreIsRefusedSoTheSandboxNeverWritesIntoARealTrail() {
        // When the sandbox is given an audit store
        CliRun refused = CliRun.of("--audit-store", dir.resolve("real").toString(), "sandbox", "--no-serve");

        // Then it refuses before creating anything there
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("invalid audit-store");
        assertThat(dir.resolve("real")).doesNotExist();
    }

    @Test
    void aSigningKeyIsRefusedSinceTheSandboxSignsWithItsOwn() {
        // When the sandbox is given a signing key
        CliRun refused = CliRun.of("--signing-key", dir.resolve("key.pem").toString(), "sandbox", "--no-serve",
                "--work-dir", dir.resolve("unused").toString());

        // Then it refuses, naming it, before making its work dir
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("invalid signing-key: '" + dir.resolve("key.pem") + "'");
        assertThat(dir.resolve("unused")).doesNotExist();
    }
}
