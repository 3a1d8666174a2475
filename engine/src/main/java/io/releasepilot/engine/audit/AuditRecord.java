package io.releasepilot.engine.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * One record of the trail as stored: the event, where it sits in the chain, when and by whom.
 * {@code hash} is SHA-256 over {@code prevHash} followed by the record's canonical JSON without
 * the {@code hash} field (see {@link CanonicalJson}).
 */
public record AuditRecord(long seq, Instant time, String actor, String origin, AuditEvent event,
                          String prevHash, String hash) {

    public AuditRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(prevHash, "prevHash");
        Objects.requireNonNull(hash, "hash");
    }
}
