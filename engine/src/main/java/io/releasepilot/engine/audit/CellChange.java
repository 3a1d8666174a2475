package io.releasepilot.engine.audit;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a run of appended records changes the {@code audit_cell} rows: one write per cell, however
 * many of the run's records fall in it.
 */
final class CellChange {

    private final String service;
    private final String environment;
    private long lastSeq;
    /** The new stable record, or null when the run did not change it. */
    private Long stableSeq;
    /** The canary after the run: unchanged, cleared or a new record. */
    private boolean canaryChanged;
    private Long canarySeq;

    private CellChange(String service, String environment) {
        this.service = service;
        this.environment = environment;
    }

    static List<CellChange> of(List<AuditRecord> records) {
        Map<String, CellChange> byCell = new LinkedHashMap<>();
        for (AuditRecord r : records) {
            AuditEvent e = r.event();
            if (e.environment() == null) {
                continue;
            }
            CellChange change = byCell.computeIfAbsent(e.service() + '\u0000' + e.environment(),
                    k -> new CellChange(e.service(), e.environment()));
            change.lastSeq = r.seq();
            AuditAction.Effect effect = e.outcome() == Outcome.SUCCEEDED ? e.action().effect() : AuditAction.Effect.NONE;
            switch (effect) {
                case STABLE -> {
                    change.stableSeq = r.seq();
                    change.canaryChanged = true;
                    change.canarySeq = null;
                }
                case CANARY -> {
                    change.canaryChanged = true;
                    change.canarySeq = r.seq();
                }
                case NONE -> { }
            }
        }
        return new ArrayList<>(byCell.values());
    }

    void write(AppendSession session) throws SQLException {
        StringBuilder set = new StringBuilder("last_seq = ?");
        if (stableSeq != null) {
            set.append(", stable_seq = ?");
        }
        if (canaryChanged) {
            set.append(", canary_seq = ?");
        }
        PreparedStatement update = session.prepare("UPDATE audit_cell SET " + set + " WHERE service = ? AND environment = ?");
        int i = 1;
        update.setLong(i++, lastSeq);
        if (stableSeq != null) {
            update.setLong(i++, stableSeq);
        }
        if (canaryChanged) {
            setNullable(update, i++, canarySeq);
        }
        update.setString(i++, service);
        update.setString(i, environment);
        if (update.executeUpdate() == 1) {
            return;
        }
        PreparedStatement insert = session.prepare(
                "INSERT INTO audit_cell (service, environment, last_seq, stable_seq, canary_seq) VALUES (?, ?, ?, ?, ?)");
        insert.setString(1, service);
        insert.setString(2, environment);
        insert.setLong(3, lastSeq);
        setNullable(insert, 4, stableSeq);
        setNullable(insert, 5, canarySeq);
        insert.executeUpdate();
    }

    private static void setNullable(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }
}
