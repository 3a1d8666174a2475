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
        assertThat(run.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isZero();
        assertThat(run.out()).contains("[sandbox] == act 1: buildImage").contains("[sandbox] done.");
    }

    @Test
    void itsAuditTrailVerifiesWithTheSandboxesCheckpointKey() {
        CliRun verify = CliRun.of("--audit-store", work.resolve("audit").toString(), "audit", "verify",
                "--public-key", work.resolve("checkpoint-key.pub.pem").toString());

        assertThat(verify.exitCode()).as("audit verify: %s %s", verify.out(), verify.err()).isZero();
    }

    @Test
    void theAlertRollsTheWebCanaryBackInUat() {
        assertThat(records("web", "UAT", AuditAction.ALERT_FIRED)).hasSize(1);
        assertThat(records("web", "UAT", AuditAction.ROLLED_BACK)).extracting(r -> r.event().outcome()).containsExactly(Outcome.SUCCEEDED);
    }

    @Test
    void theFixIsPromotedThroughEveryEnvironment() {
        for (String environment : List.of("INT", "UAT", "PROD")) {
            assertThat(records("web", environment, AuditAction.PROMOTED)).as("web promoted in %s", environment)
                    .anySatisfy(r -> assertThat(r.event().release()).isEqualTo("1.1.1"));
        }
    }

    @Test
    void theGateDeniesTheRolledBackImageInProd() {
        List<AuditRecord> denied = records("web", "PROD", AuditAction.GATE_DENIED);

        assertThat(denied).hasSize(1);
        assertThat(denied.get(0).event().outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.get(0).event().release()).isEqualTo("1.1.0");
    }

    @Test
    void theHotfixGoesToProdWithItsReason() {
        List<AuditRecord> hotfixes = records("worker", "PROD", AuditAction.HOTFIX);

        assertThat(hotfixes).isNotEmpty();
        assertThat(hotfixes).allSatisfy(r -> assertThat(r.event().reason()).contains("poison messages"));
        assertThat(records("worker", "PROD", AuditAction.PROMOTED)).anySatisfy(r -> assertThat(r.event().release()).isEqualTo("1.1.2"));
    }

    @Test
    void eachSkippedOrRealServerIsNamedOnTheConsole() {
        String out = run.out();
        assertThat(out).containsAnyOf("[buildImage] a real buildah", "[buildImage] skipped:");
        assertThat(out).containsAnyOf("[dbSnapshot] a real PostgreSQL", "[dbSnapshot] skipped:");
        assertThat(out).containsAnyOf("alerts: a real Prometheus", "alerts: Prometheus is not installed");
    }

    @Test
    void aWorkDirThatIsNotEmptyIsRefusedBeforeAnythingStarts() throws Exception {
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("something"), "x");

        CliRun refused = CliRun.of("sandbox", "--no-serve", "--work-dir", used.toString());

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("invalid work-dir: '" + used + "'").contains("a new or empty directory");
    }

    @Test
    void anAuditStoreIsRefusedSoTheSandboxNeverWritesIntoARealTrail() {
        CliRun refused = CliRun.of("--audit-store", dir.resolve("real").toString(), "sandbox", "--no-serve");

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("invalid audit-store");
        assertThat(dir.resolve("real")).doesNotExist();
    }
}
