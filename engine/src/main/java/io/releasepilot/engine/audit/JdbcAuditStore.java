package io.releasepilot.engine.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.zaxxer.hikari.HikariDataSource;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.act.ActStateStore;
import io.releasepilot.engine.host.Origin;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The audit trail in a SQL database (embedded H2 or PostgreSQL). Each append is one transaction
 * that locks the single {@code audit_head} row, so writers in every thread and process take turns
 * and the chain cannot fork; the record, the new head, the cell it changes and any checkpoint
 * commit together or not at all.
 */
final class JdbcAuditStore implements AuditStore {

    private static final Logger LOG = Logger.getLogger(JdbcAuditStore.class.getName());
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_ATTEMPTS = 20;

    private static final String COLUMNS = "seq, time_ms, actor, origin, action, service, environment, namespace, target, "
            + "release_name, image, previous_image, outcome, reason, details, prev_hash, hash";
    private static final String INSERT = "INSERT INTO audit_record (" + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final HikariDataSource dataSource;
    private final String location;
    private final CheckpointSigner signer;
    private final Clock clock;
    private final Dialect dialect;
    /**
     * Writers in this process queue here, in order, instead of in the database: SQLite's busy
     * handler waits in sleeps of up to 100 ms, which would throttle eight threads of one build
     * far below what the database can do. Other processes still queue on the database's lock.
     */
    private final ReentrantLock appendLock = new ReentrantLock(true);
    private final JdbcActStateStore actState;
    /** Guarded by {@link #appendLock}. */
    private AppendSession session;

    JdbcAuditStore(HikariDataSource dataSource, String location, CheckpointSigner signer, Clock clock) {
        this.dataSource = dataSource;
        this.dialect = dataSource.getJdbcUrl().startsWith("jdbc:sqlite:") ? Dialect.SQLITE : Dialect.ROW_LOCKING;
        this.location = location;
        this.signer = signer;
        this.clock = clock;
        this.actState = new JdbcActStateStore(dataSource, location, clock);
    }

    @Override
    public ActStateStore actState() {
        return actState;
    }

    @Override
    public AuditRecord append(AuditEvent event, Origin origin) {
        return appendAll(List.of(event), origin).get(0);
    }

    @Override
    public List<AuditRecord> appendAll(List<AuditEvent> events, Origin origin) {
        if (events.isEmpty()) {
            return List.of();
        }
        SQLException last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            appendLock.lock();
            try {
                return appendInTransaction(session(), events, origin);
            } catch (SQLException e) {
                dropSession();
                if (!isContention(e)) {
                    throw new EnvironmentException("cannot append to the audit store " + location + ": " + e.getMessage(), e);
                }
                last = e;
                int tried = attempt;
                LOG.fine(() -> "audit append contended on attempt " + tried + ": " + e.getMessage());
            } finally {
                appendLock.unlock();
            }
        }
        throw new EnvironmentException("cannot append to the audit store " + location + " after " + MAX_ATTEMPTS
                + " attempts: the chain head stayed locked by other writers (" + last.getMessage() + ")", last);
    }

    /** The append connection, opened on first use; callers hold the append lock. */
    private AppendSession session() throws SQLException {
        if (session == null) {
            session = new AppendSession(dataSource.getConnection());
        }
        return session;
    }

    private void dropSession() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    private List<AuditRecord> appendInTransaction(AppendSession s, List<AuditEvent> events, Origin origin) throws SQLException {
        Connection c = s.connection();
        dialect.begin(c);
        try {
            ChainHead head = lockHead(s);
            List<AuditRecord> sealed = new ArrayList<>(events.size());
            long seq = head.seq();
            String prev = head.hash();
            Instant now = clock.instant();
            for (AuditEvent event : events) {
                AuditRecord r = AuditChain.seal(++seq, now, origin.actor(), origin.origin(), event, prev);
                sealed.add(r);
                prev = r.hash();
            }
            insertRecords(s, sealed);
            for (CellChange change : CellChange.of(sealed)) {
                change.write(s);
            }
            PreparedStatement moveHead = s.prepare("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1");
            moveHead.setLong(1, seq);
            moveHead.setString(2, prev);
            moveHead.executeUpdate();
            if (signer != null) {
                for (AuditRecord r : sealed) {
                    if (r.seq() % signer.interval() == 0) {
                        insertCheckpoint(s, signer.sign(r.seq(), r.hash(), now));
                    }
                }
            }
            dialect.commit(c);
            return sealed;
        } catch (SQLException | RuntimeException e) {
            dialect.rollbackQuietly(c);
            throw e;
        }
    }

    private ChainHead lockHead(AppendSession s) throws SQLException {
        try (ResultSet rs = s.prepare(dialect.lockHeadSql).executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the audit_head row is missing: the store was not initialised by Release Pilot");
            }
            return new ChainHead(rs.getLong(1), rs.getString(2));
        }
    }

    private static void insertRecords(AppendSession s, List<AuditRecord> records) throws SQLException {
        PreparedStatement ps = s.prepare(INSERT);
        for (AuditRecord r : records) {
            AuditRecordColumns.bind(ps, r);
            if (records.size() == 1) {
                ps.executeUpdate();
            } else {
                ps.addBatch();
            }
        }
        if (records.size() > 1) {
            ps.executeBatch();
        }
    }

    /** Binds a record to {@link #INSERT}; also used by the benchmark's chain-less baseline. */
    @Override
    public Checkpoint checkpoint() {
        if (signer == null) {
            throw new IllegalStateException("no checkpoint signing key was given for the audit store " + location);
        }
        appendLock.lock();
        try {
            AppendSession s = session();
            Connection c = s.connection();
            dialect.begin(c);
            try {
                ChainHead head = lockHead(s);
                Optional<Checkpoint> existing = checkpointAt(s, head.seq());
                if (existing.isPresent()) {
                    dialect.commit(c);
                    return existing.get();
                }
                Checkpoint cp = signer.sign(head.seq(), head.hash(), clock.instant());
                insertCheckpoint(s, cp);
                dialect.commit(c);
                return cp;
            } catch (SQLException | RuntimeException e) {
                dialect.rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            dropSession();
            throw storeError("sign a checkpoint in", e);
        } finally {
            appendLock.unlock();
        }
    }

    @Override
    public AuditHead seal() {
        ChainHead head = head();
        if (signer == null || head.seq() == 0) {
            return new AuditHead(head.seq(), head.hash(), null);
        }
        Checkpoint cp = checkpoint();
        return new AuditHead(cp.seq(), cp.hash(), cp.keyId());
    }

    private static Optional<Checkpoint> checkpointAt(AppendSession s, long seq) throws SQLException {
        PreparedStatement ps = s.prepare("SELECT seq, hash, time_ms, key_id, signature FROM audit_checkpoint WHERE seq = ?");
        ps.setLong(1, seq);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(checkpointOf(rs)) : Optional.empty();
        }
    }

    private static void insertCheckpoint(AppendSession s, Checkpoint cp) throws SQLException {
        PreparedStatement ps = s.prepare("INSERT INTO audit_checkpoint (seq, hash, time_ms, key_id, signature) VALUES (?, ?, ?, ?, ?)");
        ps.setLong(1, cp.seq());
        ps.setString(2, cp.hash());
        ps.setLong(3, cp.time().toEpochMilli());
        ps.setString(4, cp.keyId());
        ps.setString(5, cp.signature());
        ps.executeUpdate();
    }

    @Override
    public ChainHead head() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new AuditIntegrityException("the audit store " + location + " has no chain head row: it was damaged or not made by Release Pilot");
            }
            return new ChainHead(rs.getLong(1), rs.getString(2));
        } catch (SQLException e) {
            throw storeError("read the chain head of", e);
        }
    }

    @Override
    public List<AuditRecord> after(long afterSeq, int limit) {
        return query("SELECT " + COLUMNS + " FROM audit_record WHERE seq > ? ORDER BY seq LIMIT ?",
                ps -> {
                    ps.setLong(1, afterSeq);
                    ps.setInt(2, limit);
                });
    }

    @Override
    public List<AuditRecord> between(long fromExclusive, long toInclusive) {
        return query("SELECT " + COLUMNS + " FROM audit_record WHERE seq > ? AND seq <= ? ORDER BY seq",
                ps -> {
                    ps.setLong(1, fromExclusive);
                    ps.setLong(2, toInclusive);
                });
    }

    @Override
    public long lastStoredSeq() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT MAX(seq) FROM audit_record");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw storeError("read the last record of", e);
        }
    }

    @Override
    public List<AuditRecord> list(AuditFilter f) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_record WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (f.service() != null) {
            sql.append(" AND service = ?");
            args.add(f.service());
        }
        if (f.environment() != null) {
            sql.append(" AND environment = ?");
            args.add(f.environment());
        }
        if (f.action() != null) {
            sql.append(" AND action = ?");
            args.add(f.action().name());
        }
        if (f.since() != null) {
            sql.append(" AND time_ms >= ?");
            args.add(f.since().toEpochMilli());
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(f.limit());
        return query(sql.toString(), ps -> {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
        });
    }

    @Override
    public List<AuditRecord> history(String service, Long beforeSeq, int limit) {
        return query("SELECT " + COLUMNS + " FROM audit_record WHERE service = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                ps -> {
                    ps.setString(1, service);
                    ps.setLong(2, beforeSeq == null ? Long.MAX_VALUE : beforeSeq);
                    ps.setInt(3, limit);
                });
    }

    @Override
    public Optional<AuditRecord> latest(AuditAction action, String service, String environment, String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        // Walks the service's records newest first (index service, seq); the digest is the end of a
        // pinned reference, registry/repository[:tag]@sha256:<hex>.
        List<AuditRecord> found = query("SELECT " + COLUMNS + " FROM audit_record WHERE service = ? AND environment = ? "
                        + "AND action = ? AND outcome = ? AND image LIKE ? ORDER BY seq DESC LIMIT 1",
                ps -> {
                    ps.setString(1, service);
                    ps.setString(2, environment);
                    ps.setString(3, action.name());
                    ps.setString(4, Outcome.SUCCEEDED.name());
                    ps.setString(5, "%@" + digest);
                });
        return found.stream().findFirst();
    }

    @Override
    public List<Cell> cells() {
        List<long[]> pointers = new ArrayList<>();
        List<String[]> keys = new ArrayList<>();
        Map<Long, AuditRecord> bySeq = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT service, environment, last_seq, stable_seq, canary_seq FROM audit_cell "
                    + "ORDER BY service, environment");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new String[] {rs.getString(1), rs.getString(2)});
                    pointers.add(new long[] {rs.getLong(3), nullableLong(rs, 4), nullableLong(rs, 5)});
                }
            }
            // The records the cells point at, in one query rather than three lookups a cell.
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_record WHERE seq IN ("
                    + "SELECT last_seq FROM audit_cell UNION SELECT stable_seq FROM audit_cell WHERE stable_seq IS NOT NULL "
                    + "UNION SELECT canary_seq FROM audit_cell WHERE canary_seq IS NOT NULL)");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AuditRecord r = recordOf(rs);
                    bySeq.put(r.seq(), r);
                }
            }
        } catch (SQLException e) {
            throw storeError("read the cells of", e);
        }
        List<Cell> cells = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            long[] p = pointers.get(i);
            cells.add(new Cell(keys.get(i)[0], keys.get(i)[1], bySeq.get(p[0]), bySeq.get(p[1]), bySeq.get(p[2])));
        }
        return cells;
    }

    /** The column's value, or -1 (no record has that seq) when it is NULL. */
    private static long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? -1 : v;
    }

    @Override
    public List<Checkpoint> checkpoints() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT seq, hash, time_ms, key_id, signature FROM audit_checkpoint ORDER BY seq");
             ResultSet rs = ps.executeQuery()) {
            List<Checkpoint> out = new ArrayList<>();
            while (rs.next()) {
                out.add(checkpointOf(rs));
            }
            return out;
        } catch (SQLException e) {
            throw storeError("read the checkpoints of", e);
        }
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void close() {
        appendLock.lock();
        try {
            dropSession();
        } finally {
            appendLock.unlock();
        }
        dataSource.close();
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<AuditRecord> query(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<AuditRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(recordOf(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw storeError("query", e);
        }
    }

    static AuditRecord recordOf(ResultSet rs) throws SQLException {
        long seq = rs.getLong(1);
        AuditEvent event = AuditEvent.stored(
                storedEnum(AuditAction.class, seq, "action", rs.getString(5)),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11),
                rs.getString(12),
                storedEnum(Outcome.class, seq, "outcome", rs.getString(13)),
                rs.getString(14),
                parseDetails(seq, rs.getString(15)));
        return new AuditRecord(seq, Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                event, rs.getString(16), rs.getString(17));
    }

    /** A value no version of Release Pilot writes means the row was altered outside it. */
    private static <E extends Enum<E>> E storedEnum(Class<E> type, long seq, String column, String value) {
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw damaged(seq, "its " + column + " is '" + value + "', which Release Pilot never writes");
        }
    }

    private static DamagedRecordException damaged(long seq, String why) {
        return new DamagedRecordException(seq, why);
    }

    private static Checkpoint checkpointOf(ResultSet rs) throws SQLException {
        return new Checkpoint(rs.getLong(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4),
                rs.getString(5));
    }

    static SortedMap<String, String> parseDetails(long seq, String json) {
        SortedMap<String, String> out = new TreeMap<>();
        if (json == null || json.equals("{}")) {
            return out;
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw damaged(seq, "its details are not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw damaged(seq, "its detail '" + key + "' is not a string");
                }
                out.put(key, p.getText());
            }
        } catch (IOException e) {
            throw damaged(seq, "its details are not valid JSON");
        }
        return out;
    }

    private EnvironmentException storeError(String what, SQLException e) {
        return new EnvironmentException("cannot " + what + " the audit store " + location + ": " + e.getMessage(), e);
    }

    /** Lock timeouts, deadlocks and duplicate keys mean another writer got there first: try again. */
    private static boolean isContention(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.sqlite.SQLiteException lite) {
                int primary = lite.getResultCode().code & 0xff;
                if (primary == 5 || primary == 6) {
                    return true;
                }
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.equals("23505") || state.equals("40001") || state.equals("40P01")
                        || state.equals("HYT00") || state.equals("55P03"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How a transaction that owns the chain head begins and ends. */
    private enum Dialect {
        /**
         * SQLite has no row locks: BEGIN IMMEDIATE takes the database's write lock up front, so
         * the head read and the writes that follow cannot interleave with another writer. Issued
         * as statements because the driver's own transactions re-open a new one after each commit.
         */
        SQLITE("SELECT seq, hash FROM audit_head WHERE id = 1") {
            @Override
            void begin(Connection c) throws SQLException {
                execute(c, "BEGIN IMMEDIATE");
            }

            @Override
            void commit(Connection c) throws SQLException {
                execute(c, "COMMIT");
            }

            @Override
            void rollback(Connection c) throws SQLException {
                execute(c, "ROLLBACK");
            }
        },
        /** PostgreSQL and H2: an ordinary transaction, the head row locked FOR UPDATE. */
        ROW_LOCKING("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE") {
            @Override
            void begin(Connection c) throws SQLException {
                c.setAutoCommit(false);
            }

            @Override
            void commit(Connection c) throws SQLException {
                c.commit();
                c.setAutoCommit(true);
            }

            @Override
            void rollback(Connection c) throws SQLException {
                try {
                    c.rollback();
                } finally {
                    c.setAutoCommit(true);
                }
            }
        };

        final String lockHeadSql;

        Dialect(String lockHeadSql) {
            this.lockHeadSql = lockHeadSql;
        }

        abstract void begin(Connection c) throws SQLException;

        abstract void commit(Connection c) throws SQLException;

        abstract void rollback(Connection c) throws SQLException;

        void rollbackQuietly(Connection c) {
            try {
                rollback(c);
            } catch (SQLException e) {
                LOG.fine(() -> "rollback failed: " + e.getMessage());
            }
        }

        private static void execute(Connection c, String sql) throws SQLException {
            try (java.sql.Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }
    }
}
