package io.releasepilot.engine.audit;

/**
 * What {@link AuditVerifier} found.
 *
 * @param records             how many records were checked
 * @param checkpoints         how many checkpoints were checked against the chain
 * @param signaturesVerified  how many checkpoint signatures were verified with the public key
 * @param signedThrough       the newest record a checkpoint verified with the public key covers (0: none,
 *                            or no key given); records after it are protected by the chain only
 * @param problem             the first problem, or null when the trail is intact
 */
public record Verification(long records, int checkpoints, int signaturesVerified, long signedThrough, Problem problem) {

    public boolean ok() {
        return problem == null;
    }

    /** Whether the newest record is covered by a checkpoint verified with the public key. */
    public boolean newestSigned() {
        return records == 0 || signedThrough == records;
    }

    /** Why a record (or the store) fails verification. */
    public enum Kind {
        /** A record's content does not match its hash: it was edited. */
        HASH,
        /** A record's prevHash is not the hash of the record before it: records were inserted, removed or reordered. */
        LINK,
        /** A sequence number is missing. */
        GAP,
        /** The chain head names a record that is not there, or the last records are not what the head says: an incomplete tail. */
        TAIL,
        /** A signed checkpoint does not match the chain, or its signature is not valid. */
        SIGNATURE,
        /** With the public key pinned: the newest records are covered by no signed checkpoint (the ones over them were deleted, or they were written without a key). */
        UNSIGNED,
        /** A head kept outside the store names a record that is gone or has another hash: the tail was cut off or rewritten. */
        HEAD
    }

    /** The first bad place: its sequence number, the kind of fault and a sentence a person can act on. */
    public record Problem(long seq, Kind kind, String message) {
    }
}
