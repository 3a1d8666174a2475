package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One pg_dump snapshot step, validated when made. Every value that reaches pg_dump's command line
 * is checked here, so none can be read by pg_dump as a connection string or an option.
 *
 * @param password   null when the server needs none (trust, peer, certificates)
 * @param outputDir  an absolute directory on the host (the agent under Jenkins)
 * @param template   the dump's base name or a template of it (null: the default template)
 * @param retain     how many of this tool's dumps of the database to keep in that directory, counting the new one
 * @param dryRun     dump and delete nothing; say what would be written and pruned
 */
public record PostgresSnapshotRequest(String host, int port, String database, String username, DatabasePassword password,
                                      String outputDir, String template, SnapshotLabels labels, Integer retain, Duration timeout,
                                      boolean dryRun) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    public static final String HOST_FORM = "a host name or IP address such as db.example.com or 10.0.0.5";
    public static final String PORT_FORM = "a TCP port, 1-65535";
    public static final String DATABASE_FORM = "a database name: 1-63 letters, digits, '_', '$', '.' and '-', starting with a letter or '_'";
    public static final String USERNAME_FORM = "a role name: 1-63 letters, digits, '_', '$', '.', '@' and '-', starting with a letter or '_'";
    public static final String OUTPUT_DIR_FORM = "an absolute path of a directory on the agent";

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\\[?[0-9A-Fa-f:.]{2,45}]?");
    private static final Pattern DATABASE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$.-]{0,62}");
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$.@-]{0,62}");

    public PostgresSnapshotRequest {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new InvalidInputException("host", host, HOST_FORM);
        }
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("port", String.valueOf(port), PORT_FORM);
        }
        if (database == null || !DATABASE.matcher(database).matches()) {
            throw new InvalidInputException("database", database, DATABASE_FORM);
        }
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new InvalidInputException("username", username, USERNAME_FORM);
        }
        if (outputDir == null || outputDir.isBlank() || !(outputDir.startsWith("/") || outputDir.matches("[A-Za-z]:[\\\\/].*"))) {
            throw new InvalidInputException("output-dir", outputDir, OUTPUT_DIR_FORM);
        }
        Objects.requireNonNull(labels, "labels");
        template = template == null ? SnapshotIds.defaultTemplate(labels) : template;
        SnapshotIds.file(template, labels, SnapshotIds.SAMPLE_RUN, Instant.EPOCH);
        retain = Retention.validate(retain);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout", timeout.toString(), "a duration greater than zero, such as 30m or 1h");
        }
    }

    /** {@code host:port/database}: how the manifest and the audit trail name the database. */
    public String databaseRef() {
        return host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "PostgresSnapshotRequest[" + username + "@" + databaseRef() + " -> " + outputDir + ", template=" + template
                + ", retain=" + retain + ", dryRun=" + dryRun + "]";
    }
}
