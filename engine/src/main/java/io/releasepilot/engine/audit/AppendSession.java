package io.releasepilot.engine.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The one connection a store appends through, with its prepared statements kept: an append is a
 * handful of small statements, and preparing them anew each time cost as much as running them.
 * Used only under the store's append lock; dropped (and reopened) after any error.
 */
final class AppendSession implements AutoCloseable {

    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    AppendSession(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    /** A prepared statement for this SQL, kept for the next append: callers must not close it. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        ps.clearParameters();
        return ps;
    }

    @Override
    public void close() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing the connection below releases it anyway
            }
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // a broken connection is what got us here
        }
    }
}
