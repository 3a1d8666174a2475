package io.releasepilot.engine.audit;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.act.ActStateStore;
import io.releasepilot.engine.act.RunId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code act_state} table of an audit database (SQLite, PostgreSQL or H2): one row per run id,
 * replaced on each save. Each call is one auto-committed statement (two on a first save), so a
 * save is durable when it returns and never waits on the audit chain's head lock.
 */
final class JdbcActStateStore implements ActStateStore {

    private static final String SELECT = "SELECT state FROM act_state WHERE run_id = ?";
    private static final String UPDATE = "UPDATE act_state SET state = ?, updated_ms = ? WHERE run_id = ?";
    private static final String INSERT = "INSERT INTO act_state (run_id, state, updated_ms) VALUES (?, ?, ?)";
    private static final String DELETE = "DELETE FROM act_state WHERE run_id = ?";
    private static final int MAX_STATE_CHARS = 65536;

    private final DataSource dataSource;
    private final String location;
    private final Clock clock;

    JdbcActStateStore(DataSource dataSource, String location, Clock clock) {
        this.dataSource = dataSource;
        this.location = location;
        this.clock = clock;
    }

    @Override
    public Optional<String> load(RunId run) {
        Objects.requireNonNull(run, "run");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, run.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw error("read the state of run " + run + " from", e);
        }
    }

    @Override
    public void save(RunId run, String json) {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(json, "json");
        if (json.length() > MAX_STATE_CHARS) {
            throw new IllegalArgumentException("an act's state is small; this one has " + json.length() + " characters");
        }
        try (Connection c = dataSource.getConnection()) {
            if (update(c, run, json) == 0) {
                try {
                    insert(c, run, json);
                } catch (SQLException e) {
                    // another writer inserted the row first: ours is the newer state
                    if (!isDuplicateKey(e) || update(c, run, json) == 0) {
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            throw error("save the state of run " + run + " in", e);
        }
    }

    @Override
    public void remove(RunId run) {
        Objects.requireNonNull(run, "run");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(DELETE)) {
            ps.setString(1, run.value());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw error("remove the state of run " + run + " from", e);
        }
    }

    private int update(Connection c, RunId run, String json) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
            ps.setString(1, json);
            ps.setLong(2, clock.millis());
            ps.setString(3, run.value());
            return ps.executeUpdate();
        }
    }

    private void insert(Connection c, RunId run, String json) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, run.value());
            ps.setString(2, json);
            ps.setLong(3, clock.millis());
            ps.executeUpdate();
        }
    }

    private static boolean isDuplicateKey(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.sqlite.SQLiteException lite && (lite.getResultCode().code & 0xff) == 19) {
                return true;
            }
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private EnvironmentException error(String what, SQLException e) {
        return new EnvironmentException("cannot " + what + " the audit store " + location + ": " + e.getMessage(), e);
    }
}
