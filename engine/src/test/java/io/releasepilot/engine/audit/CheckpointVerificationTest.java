package io.releasepilot.engine.audit;

import static io.releasepilot.engine.audit.AuditFixtures.ORIGIN;
import static io.releasepilot.engine.audit.AuditFixtures.note;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Someone with write access who rewrites the whole store, recomputing every hash, is caught by the
 * signed checkpoints: at once if they leave them alone, and by the public key if they forge them.
 */
class CheckpointVerificationTest {

    private final KeyPair keys = CheckpointKeys.generate();
    private final CheckpointSigner signer = new CheckpointSigner(keys.getPrivate(), 5);
    private final String url = "jdbc:h2:mem:cp-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

    private AuditStore filledStore(int records) {
        AuditStore store = AuditStores.open(new AuditStores.Config(url).withSigner(signer));
        for (int i = 1; i <= records; i++) {
            store.append(note("web", "PROD", "n" + i), ORIGIN);
        }
        return store;
    }

    /** Rewrites record {@code seq}'s reason and recomputes the chain from there on, as a forger would. */
    private void rewriteFrom(AuditStore store, long seq, StoreSurgery surgery) throws Exception {
        List<AuditRecord> all = store.after(0, 1000);
        String prev = seq == 1 ? AuditChain.GENESIS : all.get((int) seq - 2).hash();
        surgery.update("DELETE FROM audit_record WHERE seq >= ?", seq);
        for (AuditRecord r : all.subList((int) seq - 1, all.size())) {
            AuditEvent e = r.seq() == seq ? note("web", "PROD", "rewritten history") : r.event();
            AuditRecord forged = AuditChain.seal(r.seq(), r.time(), r.actor(), r.origin(), e, prev);
            surgery.insert(forged);
            prev = forged.hash();
        }
        surgery.update("UPDATE audit_head SET hash = ? WHERE id = 1", prev);
    }

    @Test
    void aRecomputedChainIsCaughtByTheCheckpointsItContradicts() throws Exception {
        try (AuditStore store = filledStore(12); StoreSurgery surgery = new StoreSurgery(url)) {
            rewriteFrom(store, 2, surgery);

            Verification v = AuditVerifier.verify(store, null);

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.SIGNATURE);
            assertThat(v.problem().seq()).isEqualTo(5);
            assertThat(v.problem().message()).contains("rewritten");
        }
    }

    @Test
    void forgedCheckpointsAreCaughtByThePublicKey() throws Exception {
        try (AuditStore store = filledStore(12); StoreSurgery surgery = new StoreSurgery(url)) {
            rewriteFrom(store, 2, surgery);
            CheckpointSigner forger = new CheckpointSigner(CheckpointKeys.generate().getPrivate(), 5);
            for (AuditRecord r : store.after(0, 100)) {
                if (r.seq() % 5 == 0) {
                    Checkpoint fake = forger.sign(r.seq(), r.hash(), r.time());
                    surgery.update("UPDATE audit_checkpoint SET hash = ?, signature = ? WHERE seq = ?", fake.hash(), fake.signature(), r.seq());
                }
            }

            Verification withKey = AuditVerifier.verify(store, keys.getPublic());

            assertThat(withKey.ok()).isFalse();
            assertThat(withKey.problem().kind()).isEqualTo(Verification.Kind.SIGNATURE);
            assertThat(withKey.problem().seq()).isEqualTo(5);
            assertThat(withKey.problem().message()).contains("not valid");
        }
    }

    @Test
    void removingRecordsCoveredByACheckpointIsCaughtEvenWithTheHeadMovedBack() throws Exception {
        try (AuditStore store = filledStore(10); StoreSurgery surgery = new StoreSurgery(url)) {
            AuditRecord seventh = store.after(6, 1).get(0);
            surgery.update("DELETE FROM audit_record WHERE seq > 7");
            surgery.update("UPDATE audit_head SET seq = 7, hash = ? WHERE id = 1", seventh.hash());

            Verification v = AuditVerifier.verify(store, keys.getPublic());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.TAIL);
            assertThat(v.problem().seq()).isEqualTo(10);
        }
    }

    @Test
    void aTailLostBehindTheHeadIsReportedNotDropped() throws Exception {
        try (AuditStore store = filledStore(4); StoreSurgery surgery = new StoreSurgery(url)) {
            surgery.update("DELETE FROM audit_record WHERE seq = 4");

            Verification v = AuditVerifier.verify(store, keys.getPublic());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.TAIL);
            assertThat(v.problem().message()).contains("incomplete tail").contains("4").contains("3");
        }
    }

    @Test
    void checkpointsSignedWithAnotherKeyAreNamedAsSuch() {
        try (AuditStore store = filledStore(5)) {
            Verification v = AuditVerifier.verify(store, CheckpointKeys.generate().getPublic());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().message()).contains("signed with key " + signer.keyId());
        }
    }

    @Test
    void aRecordAlteredToAValueReleasePilotNeverWritesIsReportedNotFailedOn() throws Exception {
        try (AuditStore store = filledStore(4); StoreSurgery surgery = new StoreSurgery(url)) {
            surgery.update("UPDATE audit_record SET action = 'DEPLOYED_BY_HAND', details = '{not json' WHERE seq = 3");

            Verification v = AuditVerifier.verify(store, keys.getPublic());

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().seq()).isEqualTo(3);
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.HASH);
            assertThat(v.problem().message()).contains("'DEPLOYED_BY_HAND', which Release Pilot never writes");
        }
    }
}
