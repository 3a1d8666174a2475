package io.releasepilot.engine.audit;

import static io.releasepilot.engine.audit.AuditFixtures.ORIGIN;
import static io.releasepilot.engine.audit.AuditFixtures.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import java.security.KeyPair;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every act ends with {@link AuditStore#seal()}: a checkpoint signed over the newest record, and a
 * head the host keeps outside the store. Together they catch a rewritten or cut-off tail of any length.
 */
class SealedHeadTest {

    private final KeyPair keys = CheckpointKeys.generate();
    private final String url = "jdbc:h2:mem:seal-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

    private AuditStore signingStore() {
        return AuditStores.open(new AuditStores.Config(url).withSigner(new CheckpointSigner(keys.getPrivate(), CheckpointSigner.DEFAULT_INTERVAL)));
    }

    private static void append(AuditStore store, int records) {
        for (int i = 1; i <= records; i++) {
            store.append(note("web", "PROD", "n" + i), ORIGIN);
        }
    }

    /** Rewrites the records from {@code seq} on with a new reason and recomputes their hashes, as a forger would. */
    private static void rewriteFrom(AuditStore store, long seq, StoreSurgery surgery) throws Exception {
        List<AuditRecord> all = store.after(0, 1000);
        String prev = seq == 1 ? AuditChain.GENESIS : all.get((int) seq - 2).hash();
        surgery.update("DELETE FROM audit_record WHERE seq >= ?", seq);
        for (AuditRecord r : all.subList((int) seq - 1, all.size())) {
            AuditRecord forged = AuditChain.seal(r.seq(), r.time(), r.actor(), r.origin(), note("web", "PROD", "rewritten"), prev);
            surgery.insert(forged);
            prev = forged.hash();
        }
        surgery.update("UPDATE audit_head SET hash = ? WHERE id = 1", prev);
    }

    @Test
    void sealSignsACheckpointOverTheNewestRecord() {
        try (AuditStore store = signingStore()) {
            append(store, 3);

            AuditHead head = store.seal();

            assertThat(head.seq()).isEqualTo(3);
            assertThat(head.hash()).isEqualTo(store.head().hash());
            assertThat(head.keyId()).isEqualTo(CheckpointKeys.keyId(keys.getPublic()));
            assertThat(AuditVerifier.verify(store, keys.getPublic()).signedThrough()).isEqualTo(3);
        }
    }

    @Test
    void aTailRewrittenAfterTheSealContradictsTheSignedCheckpoint() throws Exception {
        try (AuditStore store = signingStore(); StoreSurgery surgery = new StoreSurgery(url)) {
            append(store, 3);
            store.seal();
            rewriteFrom(store, 3, surgery);

            Verification v = AuditVerifier.verify(store, keys.getPublic());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.SIGNATURE);
            assertThat(v.problem().seq()).isEqualTo(3);
        }
    }

    @Test
    void recordsAfterTheLastSignedCheckpointAreAFaultWhenTheNewestMustBeSigned() {
        try (AuditStore store = signingStore()) {
            append(store, 2);
            store.seal();
            append(store, 2);

            Verification v = AuditVerifier.verify(store, keys.getPublic(), true, List.of());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.UNSIGNED);
            assertThat(v.problem().message()).contains("records 3 to 4 are covered by no checkpoint signed with key");
        }
    }

    @Test
    void aHeadKeptOutsideCatchesATailCutOffTogetherWithItsCheckpoints() throws Exception {
        try (AuditStore store = signingStore(); StoreSurgery surgery = new StoreSurgery(url)) {
            append(store, 1);
            AuditRecord first = store.after(0, 1).get(0);
            store.seal();
            append(store, 2);
            AuditHead kept = store.seal();
            surgery.update("DELETE FROM audit_record WHERE seq > 1");
            surgery.update("DELETE FROM audit_checkpoint WHERE seq > 1");
            surgery.update("UPDATE audit_head SET seq = 1, hash = ? WHERE id = 1", first.hash());

            Verification v = AuditVerifier.verify(store, keys.getPublic(), true, List.of(kept));

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.HEAD);
            assertThat(v.problem().message()).contains("record 3 (expected " + kept.text() + ") is not in the store");
        }
    }

    @Test
    void aHeadKeptOutsideCatchesARewrittenTailWhoseCheckpointsWereDeleted() throws Exception {
        try (AuditStore store = signingStore(); StoreSurgery surgery = new StoreSurgery(url)) {
            append(store, 3);
            AuditHead kept = store.seal();
            rewriteFrom(store, 2, surgery);
            surgery.update("DELETE FROM audit_checkpoint");

            Verification v = AuditVerifier.verify(store, keys.getPublic(), false, List.of(kept));

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.HEAD);
            assertThat(v.problem().message()).contains("record 3 has hash sha256:").contains("not the expected sha256:" + kept.hash());
        }
    }

    @Test
    void aStoreWithoutASigningKeySealsTheHeadUnsigned() {
        try (AuditStore store = AuditStores.open(new AuditStores.Config(url))) {
            append(store, 2);

            AuditHead head = store.seal();

            assertThat(head.seq()).isEqualTo(2);
            assertThat(head.signed()).isFalse();
            assertThat(store.checkpoints()).isEmpty();
        }
    }

    @Test
    void aWrittenHeadIsReadBackFromTheFormActsPrint() {
        AuditHead printed = new AuditHead(42, "ab".repeat(32), null);

        AuditHead read = AuditHead.parse("expect-head", "42:" + printed.text().substring("seq 42 ".length()));

        assertThat(read.seq()).isEqualTo(42);
        assertThat(read.hash()).isEqualTo(printed.hash());
    }

    @Test
    void aMalformedWrittenHeadNamesTheFlagAndTheForm() {
        assertThatThrownBy(() -> AuditHead.parse("expect-head", "42"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid expect-head: '42'")
                .hasMessageContaining("SEQ:HASH");
    }
}
