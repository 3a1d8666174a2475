package io.releasepilot.engine.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/** Opens an audit store from what a user names: a directory (embedded H2) or a JDBC URL. */
public final class AuditStores {

    public static final String LOCATION_FORM =
            "a directory for the embedded store, or a JDBC URL starting with jdbc:postgresql://, jdbc:sqlite: or jdbc:h2:";

    /**
     * The embedded store is an SQLite file in WAL mode with synchronous=FULL: a commit is in the
     * write-ahead log, synced, before the caller hears of it, and several processes share the file
     * through SQLite's own locks. Appends begin IMMEDIATE transactions, so writers queue for the
     * write lock instead of failing half-way; a busy store is waited for, not refused.
     * (H2, which DESIGN.md first named, lost acknowledged commits after SIGKILL in our crash test
     * even with WRITE_DELAY=0; see docs/audit.md.)
     */
    private static final String SQLITE_SETTINGS =
            "?journal_mode=WAL&synchronous=FULL&busy_timeout=30000";
    private static final String H2_SETTINGS = ";WRITE_DELAY=0;AUTO_SERVER=TRUE;LOCK_TIMEOUT=30000";
    private static final int OPEN_ATTEMPTS = 3;

    private AuditStores() {
    }

    /**
     * What to open.
     *
     * @param location a directory or a JDBC URL
     * @param username database user for PostgreSQL (null: from the URL)
     * @param password database password (null: from the URL or none); never logged
     * @param signer   signs checkpoints; null to write none
     */
    public record Config(String location, String username, char[] password, CheckpointSigner signer, Clock clock) {

        public Config(String location) {
            this(location, null, null, null, Clock.systemUTC());
        }

        public Config withSigner(CheckpointSigner value) {
            return new Config(location, username, password, value, clock);
        }

        public Config withCredentials(String user, char[] secret) {
            return new Config(location, user, secret, signer, clock);
        }

        public Config withClock(Clock value) {
            return new Config(location, username, password, signer, value);
        }
    }

    public static AuditStore open(Config config) {
        String jdbcUrl = jdbcUrl(config.location());
        String shown = redact(jdbcUrl);
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        hikari.setDataSource(DriverDataSource.forUrl(jdbcUrl, shown));
        if (config.username() != null) {
            hikari.setUsername(config.username());
        }
        if (config.password() != null) {
            hikari.setPassword(new String(config.password()));
        }
        hikari.setPoolName("release-pilot-audit");
        hikari.setMaximumPoolSize(jdbcUrl.startsWith("jdbc:sqlite:") ? 4 : 10);
        hikari.setMinimumIdle(0);
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(-1);
        hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        HikariDataSource dataSource = new HikariDataSource(hikari);
        for (int attempt = 1; ; attempt++) {
            try {
                // the engine's own loader finds the migrations and Flyway's database plugins;
                // the thread's context loader (Flyway's default) is not the plugin's under Jenkins
                Flyway.configure(AuditStores.class.getClassLoader())
                        .dataSource(dataSource)
                        .locations("classpath:db/migration/audit")
                        .table("release_pilot_schema_history")
                        .load()
                        .migrate();
                break;
            } catch (RuntimeException e) {
                // Two processes creating a new store at once: the loser finds the schema the
                // winner made on its next try (every migration statement can run again).
                if (attempt < OPEN_ATTEMPTS && e instanceof FlywayException) {
                    continue;
                }
                dataSource.close();
                throw new EnvironmentException("cannot open the audit store " + shown + ": " + rootMessage(e), e);
            }
        }
        return new JdbcAuditStore(dataSource, shown, config.signer(), config.clock());
    }

    /** The JDBC URL for a location, with the H2 settings durability depends on. */
    public static String jdbcUrl(String location) {
        if (location == null || location.isBlank()) {
            throw new InvalidInputException("audit-store", location, LOCATION_FORM);
        }
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql://")) {
            return location;
        }
        if (lower.startsWith("jdbc:sqlite:")) {
            return location.contains("?") ? location : location + SQLITE_SETTINGS;
        }
        if (lower.startsWith("jdbc:h2:")) {
            return lower.startsWith("jdbc:h2:mem:") || lower.contains("write_delay") ? location : location + H2_SETTINGS;
        }
        if (lower.startsWith("jdbc:")) {
            throw new InvalidInputException("audit-store", location, LOCATION_FORM);
        }
        Path dir = Path.of(location).toAbsolutePath();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException("audit-store", location, LOCATION_FORM + " (it is a file, not a directory)");
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new InvalidInputException("audit-store", location, LOCATION_FORM + " that can be created (" + e.getMessage() + ")");
        }
        return "jdbc:sqlite:" + dir.resolve("audit.db") + SQLITE_SETTINGS;
    }

    /** The URL as it may be shown: without any password parameter. */
    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
