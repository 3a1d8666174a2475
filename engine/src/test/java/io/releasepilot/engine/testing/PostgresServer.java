package io.releasepilot.engine.testing;

import io.releasepilot.sandbox.servers.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server (Debian's package, installed by .ci/run) for one test class: a
 * {@link LocalPostgres} with a fixed superuser and password, plus the JDBC conveniences tests want.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String SUPERUSER = "rp_admin";
    public static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final LocalPostgres server;

    private PostgresServer(LocalPostgres server) {
        this.server = server;
    }

    public static PostgresServer start() {
        try {
            return new PostgresServer(LocalPostgres.start(SUPERUSER, PASSWORD));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PostgreSQL", e);
        }
    }

    public int port() {
        return server.port();
    }

    /** The directory of PostgreSQL's programs (pg_dump, pg_restore…). */
    public Path binDir() {
        return server.bin();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** Creates a new empty database and returns its name. */
    public String createDatabase() {
        String name = "rp_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return name;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, PASSWORD);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
