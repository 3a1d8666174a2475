package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.releasepilot.engine.audit.CheckpointKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {

    @TempDir
    Path dir;

    private Path store;
    private Path key;
    private Path publicKey;

    @BeforeEach
    void keys() throws Exception {
        store = dir.resolve("store");
        key = dir.resolve("key.pem");
        publicKey = dir.resolve("key.pub.pem");
        CheckpointKeys.write(CheckpointKeys.generate(), key, publicKey);
    }

    private CliRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--audit-store", store.toString(), "--signing-key", key.toString(), "--actor", "alice"));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }

    private CliRun record(String service, String environment, String reason) {
        return cli("audit", "record", "--action", "NOTE", "--service", service, "--environment", environment, "--reason", reason);
    }

    @Test
    void aRecordedNoteIsListedWithWhoRecordedIt() throws Exception {
        CliRun recorded = cli("audit", "record", "--action", "MANUAL_CHANGE", "--service", "web", "--environment", "prod",
                "--reason", "hotfixed config by hand", "--image", "r.example.com/web@sha256:" + "1".repeat(64));

        CliRun listed = cli("--output", "json", "audit", "list", "--service", "web");

        assertThat(recorded.exitCode()).as(recorded.err()).isZero();
        assertThat(recorded.out()).contains("recorded MANUAL_CHANGE for web in PROD as record 1");
        assertThat(listed.exitCode()).isZero();
        JsonNode records = new ObjectMapper().readTree(listed.out());
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("actor").asText()).isEqualTo("alice");
        assertThat(records.get(0).get("environment").asText()).isEqualTo("PROD");
        assertThat(records.get(0).get("reason").asText()).isEqualTo("hotfixed config by hand");
        assertThat(records.get(0).get("origin").asText()).startsWith("cli://");
    }

    @Test
    void listFiltersByActionAndEnvironment() {
        record("web", "INT", "one");
        cli("audit", "record", "--action", "MANUAL_CHANGE", "--service", "web", "--environment", "UAT", "--reason", "two");

        CliRun listed = cli("audit", "list", "--action", "manual_change", "--environment", "uat");

        assertThat(listed.exitCode()).isZero();
        assertThat(listed.out()).contains("MANUAL_CHANGE").contains("two").doesNotContain("one");
    }

    @Test
    void anUnknownActionIsRefusedWithExit2AndNothingIsWritten() {
        CliRun run = cli("audit", "record", "--action", "DEPLOYED", "--service", "web", "--environment", "INT", "--reason", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid action: 'DEPLOYED' (expected one of MANUAL_CHANGE, NOTE)");
        assertThat(store).doesNotExist();
    }

    @Test
    void anEmptyServiceIsRefusedWithExit2() {
        CliRun run = cli("audit", "record", "--action", "NOTE", "--service", "", "--environment", "INT", "--reason", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid service: ''").contains("lower-case letters");
        assertThat(store).doesNotExist();
    }

    @Test
    void aMalformedEnvironmentIsRefusedWithExit2() {
        CliRun run = record("web", "prod east", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid environment: 'prod east'").contains("e.g. INT, UAT, PROD");
        assertThat(store).doesNotExist();
    }

    @Test
    void anUnreadableKeyFileIsRefusedWithExit2AndNothingIsWritten() {
        Path missing = dir.resolve("missing.pem");

        CliRun run = CliRun.of("--audit-store", store.toString(), "--signing-key", missing.toString(),
                "audit", "record", "--action", "NOTE", "--service", "web", "--environment", "INT", "--reason", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid signing-key: '" + missing + "'").contains("PEM file with an Ed25519 PRIVATE KEY");
        assertThat(store).doesNotExist();
    }

    @Test
    void anUnreachableDatabaseIsAnEnvironmentErrorWithExit3NamingTheUrl() {
        CliRun run = CliRun.of("--audit-store", "jdbc:postgresql://127.0.0.1:1/audit", "--signing-key", key.toString(),
                "audit", "list");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("cannot open the audit store jdbc:postgresql://127.0.0.1:1/audit");
    }

    @Test
    void aJdbcUrlOfAnotherDatabaseIsInvalidInput() {
        CliRun run = CliRun.of("--audit-store", "jdbc:mysql://127.0.0.1/audit", "--signing-key", key.toString(), "audit", "list");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid audit-store: 'jdbc:mysql://127.0.0.1/audit'").contains("jdbc:postgresql://");
    }

    @Test
    void anUnparseableSinceIsRefusedWithExit2() {
        CliRun run = cli("audit", "list", "--since", "yesterday");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid since: 'yesterday'").contains("2026-11-01");
    }

    @Test
    void verifyOfAnIntactTrailChecksTheSignaturesWithThePublicKey() {
        for (int i = 0; i < 3; i++) {
            record("web", "INT", "n" + i);
        }
        cli("audit", "checkpoint");

        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("audit trail intact: 3 records, 3 checkpoints, 3 signatures verified");
    }

    @Test
    void everyActEndsWithACheckpointOverItsRecordAndPrintsTheHead() throws Exception {
        CliRun first = record("web", "INT", "one");
        CliRun second = cli("--output", "json", "audit", "record", "--action", "NOTE", "--service", "web", "--environment", "INT", "--reason", "two");

        JsonNode head = new ObjectMapper().readTree(second.out()).get("auditHead");
        assertThat(first.out()).containsPattern("audit head: seq 1 sha256:[0-9a-f]{64}\\n");
        assertThat(head.get("seq").asLong()).isEqualTo(2);
        assertThat(head.get("hash").asText()).isEqualTo("sha256:" + new ObjectMapper().readTree(second.out()).get("hash").asText());
        assertThat(head.get("keyId").asText()).isEqualTo(CheckpointKeys.keyId(CheckpointKeys.readPublic("k", publicKey)));
    }

    @Test
    void aPinnedPublicKeyFailsATailCoveredByNoSignedCheckpoint() throws Exception {
        record("web", "INT", "one");
        record("web", "INT", "two");
        sql("DELETE FROM audit_checkpoint WHERE seq = 2");

        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString());

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).contains("audit verification failed at record 2 (UNSIGNED)");
    }

    @Test
    void aHeadKeptFromAnActCatchesATailCutOffWithItsCheckpoints() throws Exception {
        String firstHash = new ObjectMapper().readTree(cli("--output", "json", "audit", "record", "--action", "NOTE", "--service", "web",
                "--environment", "INT", "--reason", "one").out()).get("hash").asText();
        String kept = record("web", "INT", "two").out().replaceAll("(?s).*audit head: seq (\\d+) (sha256:[0-9a-f]{64}).*", "$1:$2");
        sql("DELETE FROM audit_record WHERE seq = 2");
        sql("DELETE FROM audit_checkpoint WHERE seq = 2");
        sql("UPDATE audit_head SET seq = 1, hash = '" + firstHash + "' WHERE id = 1");

        CliRun without = cli("audit", "verify", "--public-key", publicKey.toString());
        CliRun with = cli("audit", "verify", "--public-key", publicKey.toString(), "--expect-head", kept);

        assertThat(without.exitCode()).as("cut off with its checkpoints, the store alone looks intact").isZero();
        assertThat(with.exitCode()).isEqualTo(4);
        assertThat(with.err()).contains("audit verification failed at record 2 (HEAD)").contains("is not in the store");
    }

    @Test
    void aHeadThatStillMatchesIsCounted() {
        String kept = record("web", "INT", "one").out().replaceAll("(?s).*audit head: seq (\\d+) (sha256:[0-9a-f]{64}).*", "$1:$2");
        record("web", "INT", "two");

        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString(), "--expect-head", kept);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 expected head(s) found");
    }

    @Test
    void aMalformedExpectedHeadIsRefusedWithExit2() {
        CliRun run = cli("audit", "verify", "--expect-head", "latest");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid expect-head: 'latest'").contains("SEQ:HASH");
    }

    @Test
    void verifyPrintsTheFingerprintOfThePinnedKey() throws Exception {
        record("web", "INT", "one");

        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString());

        assertThat(run.out()).contains("the pinned public key " + publicKey + ": key id "
                + CheckpointKeys.keyId(CheckpointKeys.readPublic("k", publicKey)) + ", fingerprint SHA256:"
                + CheckpointKeys.fingerprint(CheckpointKeys.readPublic("k", publicKey)));
    }

    @Test
    void anEmptyStoreSaysThereIsNothingToVerifyYet() {
        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("0 records: nothing to verify yet").doesNotContain("intact");
    }

    @Test
    void aSigningKeyInsideTheStoresDirectoryIsRefused() throws Exception {
        Files.createDirectories(store);
        Path inside = store.resolve("key.pem");
        Files.copy(key, inside);

        CliRun run = CliRun.of("--audit-store", store.toString(), "--signing-key", inside.toString(),
                "audit", "record", "--action", "NOTE", "--service", "web", "--environment", "INT", "--reason", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid signing-key: '" + inside + "'").contains("outside the audit store's directory");
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("audit.db"));
             Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }

    @Test
    void verifyOfAnEditedRecordExitsWith4NamingTheRecordAndWhy() throws Exception {
        for (int i = 0; i < 4; i++) {
            record("web", "INT", "n" + i);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("audit.db"));
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE audit_record SET reason = 'nothing to see' WHERE seq = 2");
        }

        CliRun run = cli("audit", "verify", "--public-key", publicKey.toString());

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).contains("audit verification failed at record 2 (HASH)");
    }

    @Test
    void theExportIsReCheckedByTheDocumentedPythonScript() throws Exception {
        record("web", "INT", "plain");
        record("web", "UAT", "quotes \" and \\ and ünïcode ✓ 😀 and \u202E RTL");
        record("api", "PROD", "tab\there\nand a new line");
        Path export = dir.resolve("audit.jsonl");

        CliRun run = cli("audit", "export", "--format", "jsonl", "--output-file", export.toString());
        Process check = new ProcessBuilder("python3", Path.of("..", "docs", "verify-export.py").toString(), export.toString())
                .redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes());

        assertThat(run.exitCode()).isZero();
        assertThat(Files.readAllLines(export)).hasSize(3);
        assertThat(check.waitFor()).as(said).isZero();
        assertThat(said).contains("chain intact: 3 records");
    }

    @Test
    void theDocumentedPythonScriptCatchesAnEditedExportLine() throws Exception {
        record("web", "INT", "first");
        record("web", "INT", "second");
        Path export = dir.resolve("audit.jsonl");
        cli("audit", "export", "--format", "jsonl", "--output-file", export.toString());
        Files.writeString(export, Files.readString(export).replace("second", "sec0nd"));

        Process check = new ProcessBuilder("python3", Path.of("..", "docs", "verify-export.py").toString(), export.toString())
                .redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes());

        assertThat(check.waitFor()).isEqualTo(1);
        assertThat(said).contains("record 2: content hashes to");
    }

    @Test
    void exportRefusesAnyFormatButJsonl() {
        CliRun run = cli("audit", "export", "--format", "csv");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid format: 'csv' (expected jsonl)");
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] command : List.of(new String[] {"--help"}, new String[] {"audit", "--help"},
                new String[] {"audit", "record", "--help"}, new String[] {"audit", "list", "--help"},
                new String[] {"audit", "verify", "--help"}, new String[] {"audit", "export", "--help"},
                new String[] {"audit", "checkpoint", "--help"}, new String[] {"bench", "--help"})) {
            CliRun run = CliRun.of(command);
            assertThat(run.exitCode()).as(String.join(" ", command)).isZero();
            assertThat(run.out()).as(String.join(" ", command)).contains("Usage: release-pilot");
        }
    }
}
