package io.releasepilot.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server (Debian's package, installed by .ci/run) started on 127.0.0.1 on a free
 * port, in a scratch directory, with password authentication. One per test class; stopped by
 * {@link #close()}. As root, initdb and the server run as the {@code postgres} user.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String SUPERUSER = "rp_admin";
    public static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final Path bin;
    private final int port;

    private PostgresServer(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    /** The directory of PostgreSQL's programs (initdb, pg_ctl, pg_dump…). */
    public static Path binDirectory() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.sorted(Comparator.reverseOrder())
                    .map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL under /usr/lib/postgresql: .ci/run installs the 'postgresql' package"));
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL is not installed: .ci/run installs the 'postgresql' package", e);
        }
    }

    public static PostgresServer start() {
        Path bin = binDirectory();
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "rp-pg-");
            Path data = dir.resolve("data");
            Path pwfile = dir.resolve("pwfile");
            Files.writeString(pwfile, PASSWORD + "\n");
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root) {
                exec(List.of("chown", "-R", "postgres:postgres", dir.toString()));
            }
            exec(asPostgres(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
                    "--pwfile=" + pwfile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C")));
            int port = FreePorts.next();
            exec(asPostgres(root, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(),
                    "-o", "-h 127.0.0.1 -p " + port + " -k " + dir + " -c fsync=on -c max_connections=200",
                    "start")));
            return new PostgresServer(dir, bin, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> asPostgres(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static void exec(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("command failed: " + String.join(" ", command) + "\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        }
    }

    public int port() {
        return port;
    }

    public Path binDir() {
        return bin;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a new empty database and returns its name. */
    public String createDatabase() {
        String name = "rp_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, PASSWORD);
             Statement s = c.createStatement()) {
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
            boolean root = "root".equals(System.getProperty("user.name"));
            exec(asPostgres(root, List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-m", "immediate", "-w", "stop")));
        } catch (IOException e) {
            // already stopped
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // best effort: a scratch directory under /tmp
            }
        }
    }
}
