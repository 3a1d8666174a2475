package io.releasepilot.engine.audit;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Re-checks the whole trail: every record's hash, every link, no gap, a head that matches the
 * last record, and every checkpoint (its hash, and its signature when a public key is given).
 * Reads in pages and hashes one page while the next is read.
 */
public final class AuditVerifier {

    static final int PAGE = 10_000;

    private AuditVerifier() {
    }

    /**
     * @param publicKey the checkpoint key's public half, or null to check checkpoints against the
     *                  chain only (a rewritten store is detected only with the key)
     */
    public static Verification verify(AuditStore store, PublicKey publicKey) {
        try {
            return verifyChain(store, publicKey);
        } catch (CompletionException e) {
            if (e.getCause() instanceof DamagedRecordException damaged) {
                return damagedAt(damaged);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } catch (DamagedRecordException damaged) {
            return damagedAt(damaged);
        }
    }

    private static Verification damagedAt(DamagedRecordException damaged) {
        return new Verification(damaged.seq() - 1, 0, 0, new Verification.Problem(damaged.seq(), Verification.Kind.HASH,
                "record " + damaged.seq() + " cannot be read: " + damaged.why() + " (it was altered outside Release Pilot)"));
    }

    private static Verification verifyChain(AuditStore store, PublicKey publicKey) {
        AuditStore.ChainHead head = store.head();
        Map<Long, Checkpoint> checkpoints = new HashMap<>();
        for (Checkpoint cp : store.checkpoints()) {
            checkpoints.put(cp.seq(), cp);
        }
        String expectedKeyId = publicKey == null ? null : CheckpointKeys.keyId(publicKey);

        long expectedSeq = 1;
        String prevHash = AuditChain.GENESIS;
        int checkpointsChecked = 0;
        int signatures = 0;
        CompletableFuture<List<AuditRecord>> next = CompletableFuture.completedFuture(store.after(0, PAGE));
        while (true) {
            List<AuditRecord> page = next.join();
            if (page.isEmpty()) {
                break;
            }
            long lastOfPage = page.get(page.size() - 1).seq();
            next = page.size() < PAGE
                    ? CompletableFuture.completedFuture(List.of())
                    : CompletableFuture.supplyAsync(() -> store.after(lastOfPage, PAGE));
            // Each record's hash covers its own stored prevHash, so the hashes of a page can be
            // recomputed in parallel; the links between them are then checked in order.
            List<String> expectedHashes = page.parallelStream().map(AuditChain::expectedHash).toList();
            for (int i = 0; i < page.size(); i++) {
                AuditRecord r = page.get(i);
                if (r.seq() != expectedSeq) {
                    return new Verification(expectedSeq - 1, checkpointsChecked, signatures, new Verification.Problem(expectedSeq,
                            Verification.Kind.GAP, "record " + expectedSeq + " is missing: the next record stored is " + r.seq()));
                }
                if (!r.prevHash().equals(prevHash)) {
                    return new Verification(expectedSeq - 1, checkpointsChecked, signatures, new Verification.Problem(r.seq(),
                            Verification.Kind.LINK, "record " + r.seq() + " does not follow record " + (r.seq() - 1)
                            + ": its prevHash " + r.prevHash() + " is not the hash " + prevHash + " of the record before it"));
                }
                String expected = expectedHashes.get(i);
                if (!expected.equals(r.hash())) {
                    return new Verification(expectedSeq - 1, checkpointsChecked, signatures, new Verification.Problem(r.seq(),
                            Verification.Kind.HASH, "record " + r.seq() + " was changed after it was written: its content hashes to "
                            + expected + ", not to its stored hash " + r.hash()));
                }
                Checkpoint cp = checkpoints.remove(r.seq());
                if (cp != null) {
                    Verification.Problem bad = checkCheckpoint(cp, r.hash(), publicKey, expectedKeyId);
                    if (bad != null) {
                        return new Verification(expectedSeq, checkpointsChecked, signatures, bad);
                    }
                    checkpointsChecked++;
                    if (publicKey != null) {
                        signatures++;
                    }
                }
                prevHash = r.hash();
                expectedSeq++;
            }
        }
        long last = expectedSeq - 1;
        if (head.seq() != last || !head.hash().equals(prevHash)) {
            String message = head.seq() > last
                    ? "incomplete tail: the chain head says the last record is " + head.seq() + " but the last record stored is "
                      + last + " (records were lost or removed at the end)"
                    : "the chain head (record " + head.seq() + ", hash " + head.hash() + ") does not match the last record stored ("
                      + last + ", hash " + prevHash + ")";
            return new Verification(last, checkpointsChecked, signatures,
                    new Verification.Problem(Math.min(head.seq(), last) + 1, Verification.Kind.TAIL, message));
        }
        if (!checkpoints.isEmpty()) {
            long seq = checkpoints.keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
            return new Verification(last, checkpointsChecked, signatures, new Verification.Problem(seq, Verification.Kind.TAIL,
                    "a signed checkpoint covers record " + seq + " but the last record stored is " + last
                    + " (records were removed from the end)"));
        }
        return new Verification(last, checkpointsChecked, signatures, null);
    }

    private static Verification.Problem checkCheckpoint(Checkpoint cp, String recordHash, PublicKey publicKey, String keyId) {
        if (!cp.hash().equals(recordHash)) {
            return new Verification.Problem(cp.seq(), Verification.Kind.SIGNATURE, "the signed checkpoint at record " + cp.seq()
                    + " says its hash is " + cp.hash() + " but the chain has " + recordHash + " (the store was rewritten)");
        }
        if (publicKey == null) {
            return null;
        }
        if (!cp.keyId().equals(keyId)) {
            return new Verification.Problem(cp.seq(), Verification.Kind.SIGNATURE, "the checkpoint at record " + cp.seq()
                    + " was signed with key " + cp.keyId() + ", not with the given public key " + keyId);
        }
        if (!CheckpointKeys.verify(publicKey, Checkpoint.signedBytes(cp.seq(), cp.hash()), cp.signature())) {
            return new Verification.Problem(cp.seq(), Verification.Kind.SIGNATURE, "the signature of the checkpoint at record "
                    + cp.seq() + " is not valid for key " + keyId + " (the checkpoint was forged or altered)");
        }
        return null;
    }
}
