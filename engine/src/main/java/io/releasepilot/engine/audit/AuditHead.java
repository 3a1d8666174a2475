package io.releasepilot.engine.audit;

import io.releasepilot.engine.InvalidInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The head of the chain as an act leaves it: the newest record's {@code seq} and hash. A host keeps
 * it outside the store (the build log, a Jenkins build, a ticket), so a tail cut off or rewritten
 * together with its checkpoints is still caught: {@code audit verify --expect-head SEQ:HASH}.
 *
 * @param keyId the key that signed a checkpoint over this head, or null when the store signs none
 */
public record AuditHead(long seq, String hash, String keyId) {

    public static final String FORM = "SEQ:HASH as an act prints it, e.g. 42:sha256:<64 hex digits> (the sha256: is optional)";

    private static final Pattern WRITTEN = Pattern.compile("(\\d{1,18}):(?:sha256:)?([0-9a-fA-F]{64})");

    public boolean signed() {
        return keyId != null;
    }

    /** How acts print it: {@code seq 42 sha256:…}. */
    public String text() {
        return "seq " + seq + " sha256:" + hash;
    }

    /** A head written down earlier, as {@code SEQ:HASH} or {@code SEQ:sha256:HASH}; the parameter names the flag. */
    public static AuditHead parse(String parameter, String written) {
        Matcher m = written == null ? null : WRITTEN.matcher(written.trim());
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) < 1) {
            throw new InvalidInputException(parameter, written, FORM);
        }
        return new AuditHead(Long.parseLong(m.group(1)), m.group(2).toLowerCase(Locale.ROOT), null);
    }

    /**
     * Checks this head, written down outside the store, against the store: the record must still be
     * there with the same hash. Returns the problem, or null when it matches.
     */
    public Verification.Problem checkAgainst(AuditStore store) {
        var found = store.between(seq - 1, seq);
        if (found.isEmpty()) {
            return new Verification.Problem(seq, Verification.Kind.HEAD, "record " + seq + " (expected " + text()
                    + ") is not in the store: the trail was cut off after record " + Math.min(store.lastStoredSeq(), seq - 1));
        }
        String stored = found.get(0).hash();
        if (!stored.equals(hash)) {
            return new Verification.Problem(seq, Verification.Kind.HEAD, "record " + seq + " has hash sha256:" + stored
                    + ", not the expected sha256:" + hash + ": the trail was rewritten from record " + seq + " or before");
        }
        return null;
    }
}
