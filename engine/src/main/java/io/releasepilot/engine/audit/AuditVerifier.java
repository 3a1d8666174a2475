package io.releasepilot.engine.audit;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Re-checks the whole trail: every record's hash, every link, no gap, a head that matches the
 * last record, and every checkpoint (its hash, and its signature when a public key is given).
 * Reads and hashes pages on several threads while the links are checked in order.
 */
public final class AuditVerifier {

    /** How many records a verification reads at once (bench audit reads the same pages). */
    public static final int PAGE = 10_000;
    private static final int READERS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private AuditVerifier() {
    }

    /**
     * @param publicKey the checkpoint key's public half, or null to check checkpoints against the
     *                  chain only (a rewritten store is detected only with the key)
     */
    public static Verification verify(AuditStore store, PublicKey publicKey) {
        try {
            return verifyChain(store, publicKey);
        } catch (DamagedRecordException damaged) {
            return damagedAt(damaged);
        }
    }

    /**
     * Verifies the trail, then the heads written down outside it, and, with {@code requireSignedNewest},
     * that a checkpoint verified with {@code publicKey} covers the newest record (every act ends with
     * one, so an unsigned tail means its checkpoints were deleted or it was written without the key).
     */
    public static Verification verify(AuditStore store, PublicKey publicKey, boolean requireSignedNewest, List<AuditHead> expectedHeads) {
        Verification v = verify(store, publicKey);
        for (AuditHead expected : expectedHeads) {
            if (!v.ok()) {
                return v;
            }
            Verification.Problem gone = expected.checkAgainst(store);
            if (gone != null) {
                v = new Verification(v.records(), v.checkpoints(), v.signaturesVerified(), v.signedThrough(), gone);
            }
        }
        if (v.ok() && requireSignedNewest && publicKey != null && !v.newestSigned()) {
            v = new Verification(v.records(), v.checkpoints(), v.signaturesVerified(), v.signedThrough(),
                    new Verification.Problem(v.signedThrough() + 1, Verification.Kind.UNSIGNED, "records " + (v.signedThrough() + 1)
                            + " to " + v.records() + " are covered by no checkpoint signed with key " + CheckpointKeys.keyId(publicKey)
                            + ": every act ends with one, so the checkpoints over them were deleted or they were written without that key"));
        }
        return v;
    }

    private static Verification damagedAt(DamagedRecordException damaged) {
        return new Verification(damaged.seq() - 1, 0, 0, 0, new Verification.Problem(damaged.seq(), Verification.Kind.HASH,
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
        long signedThrough = 0;
        long highest = Math.max(head.seq(), store.lastStoredSeq());
        // Pages are seq ranges, independent of each other: READERS threads read a page and
        // recompute its hashes (each record's hash covers its own stored prevHash) while this
        // thread checks the links between records in order.
        ExecutorService readers = Executors.newFixedThreadPool(READERS, runnable -> {
            Thread t = new Thread(runnable, "release-pilot-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<HashedPage>> ahead = new ArrayDeque<>();
            long nextFrom = 0;
            while (true) {
                while (ahead.size() < READERS + 1 && nextFrom < highest) {
                    long from = nextFrom;
                    long to = Math.min(from + PAGE, highest);
                    ahead.add(readers.submit(() -> HashedPage.read(store, from, to)));
                    nextFrom = to;
                }
                if (ahead.isEmpty()) {
                    break;
                }
                HashedPage hashed = await(ahead.removeFirst());
                List<AuditRecord> page = hashed.records();
                List<String> expectedHashes = hashed.expectedHashes();
                for (int i = 0; i < page.size(); i++) {
                    AuditRecord r = page.get(i);
                    if (r.seq() != expectedSeq) {
                        return new Verification(expectedSeq - 1, checkpointsChecked, signatures, signedThrough, new Verification.Problem(expectedSeq,
                                Verification.Kind.GAP, "record " + expectedSeq + " is missing: the next record stored is " + r.seq()));
                    }
                    if (!r.prevHash().equals(prevHash)) {
                        return new Verification(expectedSeq - 1, checkpointsChecked, signatures, signedThrough, new Verification.Problem(r.seq(),
                                Verification.Kind.LINK, "record " + r.seq() + " does not follow record " + (r.seq() - 1)
                                + ": its prevHash " + r.prevHash() + " is not the hash " + prevHash + " of the record before it"));
                    }
                    String expected = expectedHashes.get(i);
                    if (!expected.equals(r.hash())) {
                        return new Verification(expectedSeq - 1, checkpointsChecked, signatures, signedThrough, new Verification.Problem(r.seq(),
                                Verification.Kind.HASH, "record " + r.seq() + " was changed after it was written: its content hashes to "
                                + expected + ", not to its stored hash " + r.hash()));
                    }
                    Checkpoint cp = checkpoints.remove(r.seq());
                    if (cp != null) {
                        Verification.Problem bad = checkCheckpoint(cp, r.hash(), publicKey, expectedKeyId);
                        if (bad != null) {
                            return new Verification(expectedSeq, checkpointsChecked, signatures, signedThrough, bad);
                        }
                        checkpointsChecked++;
                        if (publicKey != null) {
                            signatures++;
                            signedThrough = r.seq();
                        }
                    }
                    prevHash = r.hash();
                    expectedSeq++;
                }
            }
        } finally {
            readers.shutdownNow();
        }
        long last = expectedSeq - 1;
        if (head.seq() != last || !head.hash().equals(prevHash)) {
            String message = head.seq() > last
                    ? "incomplete tail: the chain head says the last record is " + head.seq() + " but the last record stored is "
                      + last + " (records were lost or removed at the end)"
                    : "the chain head (record " + head.seq() + ", hash " + head.hash() + ") does not match the last record stored ("
                      + last + ", hash " + prevHash + ")";
            return new Verification(last, checkpointsChecked, signatures, signedThrough,
                    new Verification.Problem(Math.min(head.seq(), last) + 1, Verification.Kind.TAIL, message));
        }
        if (!checkpoints.isEmpty()) {
            long seq = checkpoints.keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
            return new Verification(last, checkpointsChecked, signatures, signedThrough, new Verification.Problem(seq, Verification.Kind.TAIL,
                    "a signed checkpoint covers record " + seq + " but the last record stored is " + last
                    + " (records were removed from the end)"));
        }
        return new Verification(last, checkpointsChecked, signatures, signedThrough, null);
    }

    /** One page of records with the hashes their content should have. */
    private record HashedPage(List<AuditRecord> records, List<String> expectedHashes) {

        static HashedPage read(AuditStore store, long fromExclusive, long toInclusive) {
            List<AuditRecord> records = store.between(fromExclusive, toInclusive);
            List<String> hashes = new ArrayList<>(records.size());
            for (AuditRecord r : records) {
                hashes.add(AuditChain.expectedHash(r));
            }
            return new HashedPage(records, hashes);
        }
    }

    private static HashedPage await(Future<HashedPage> page) {
        try {
            return page.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("verification was interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
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
