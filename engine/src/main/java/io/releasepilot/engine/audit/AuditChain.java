package io.releasepilot.engine.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/** The hash chain: how a record's hash follows from the one before it. */
public final class AuditChain {

    /** The {@code prevHash} of the first record. */
    public static final String GENESIS = "0".repeat(64);

    private static final HexFormat HEX = HexFormat.of();

    private AuditChain() {
    }

    /** Seals an event as record {@code seq} after a record whose hash is {@code prevHash}. */
    public static AuditRecord seal(long seq, Instant time, String actor, String origin, AuditEvent event,
                                   String prevHash) {
        Instant millis = time.truncatedTo(ChronoUnit.MILLIS);
        String content = CanonicalJson.write(seq, millis, actor, origin, event, prevHash, null);
        return new AuditRecord(seq, millis, actor, origin, event, prevHash, hash(prevHash, content));
    }

    /** The hash a record should carry, recomputed from its content. */
    public static String expectedHash(AuditRecord r) {
        return hash(r.prevHash(), CanonicalJson.hashedContent(r));
    }

    static String hash(String prevHash, String canonicalContent) {
        MessageDigest sha = sha256();
        sha.update(prevHash.getBytes(StandardCharsets.US_ASCII));
        sha.update(canonicalContent.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
