package io.releasepilot.engine.audit;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The order in which a record's fields fill the 17 columns of an {@code audit_record} insert:
 * seq, time, actor, origin, action, service, environment, namespace, target, release, image,
 * previous image, outcome, reason, details (canonical JSON), previous hash, hash. The store
 * writes records with it, and {@code bench audit} fills its unchained baseline table with the
 * same columns so the two inserts differ only by the chain.
 */
public final class AuditRecordColumns {

    private AuditRecordColumns() {
    }

    public static void bind(PreparedStatement ps, AuditRecord r) throws SQLException {
        AuditEvent e = r.event();
        ps.setLong(1, r.seq());
        ps.setLong(2, r.time().toEpochMilli());
        ps.setString(3, r.actor());
        ps.setString(4, r.origin());
        ps.setString(5, e.action().name());
        ps.setString(6, e.service());
        ps.setString(7, e.environment());
        ps.setString(8, e.namespace());
        ps.setString(9, e.target());
        ps.setString(10, e.release());
        ps.setString(11, e.image());
        ps.setString(12, e.previousImage());
        ps.setString(13, e.outcome().name());
        ps.setString(14, e.reason());
        ps.setString(15, CanonicalJson.object(e.details()));
        ps.setString(16, r.prevHash());
        ps.setString(17, r.hash());
    }
}
