package io.releasepilot.engine.audit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What an attacker or a damaged disk does to a store behind Release Pilot's back: raw SQL on the
 * tables. Only tests use it.
 */
final class StoreSurgery implements AutoCloseable {

    private final Connection c;

    StoreSurgery(String jdbcUrl) throws SQLException {
        this.c = DriverManager.getConnection(jdbcUrl);
    }

    void update(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** Moves records {@code from..} one place up, making room at {@code from}. */
    void shiftUp(long from, long last) throws SQLException {
        for (long s = last; s >= from; s--) {
            update("UPDATE audit_record SET seq = ? WHERE seq = ?", s + 1, s);
        }
    }

    /** Swaps the positions of two records. */
    void swap(long i, long j) throws SQLException {
        update("UPDATE audit_record SET seq = -1 WHERE seq = ?", i);
        update("UPDATE audit_record SET seq = ? WHERE seq = ?", i, j);
        update("UPDATE audit_record SET seq = ? WHERE seq = -1", j);
    }

    /** Writes a record with exactly these values, as a forger would. */
    void insert(AuditRecord r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_record (seq, time_ms, actor, origin, action, service, "
                + "environment, namespace, target, release_name, image, previous_image, outcome, reason, details, prev_hash, hash) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            AuditRecordColumns.bind(ps, r);
            ps.executeUpdate();
        }
    }

    void execute(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }
}
