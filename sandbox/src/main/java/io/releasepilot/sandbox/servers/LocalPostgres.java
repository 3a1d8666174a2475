package io.releasepilot.sandbox.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for benches and tests: initdb in a scratch directory, started on
 * 127.0.0.1 on a free port with password authentication for one superuser, removed on close.
 * Needs the server package (Debian: postgresql); as root, runs as the {@code postgres} user, as
 * initdb requires.
 */
public final class LocalPostgres implements AutoCloseable {

    private final Path dir;
    private final Path bin;
    private final int port;
    private final String user;
    private final String password;
    private final boolean root;

    private LocalPostgres(Path dir, Path bin, int port, String user, String password, boolean root) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.user = user;
        this.password = password;
        this.root = root;
    }

    /** Starts a server whose superuser is {@code user} with a password made up for this run. */
    public static LocalPostgres start(String user) throws IOException, InterruptedException {
        return start(user, "pw-" + Long.toHexString(System.nanoTime()));
    }

    public static LocalPostgres start(String user, String password) throws IOException, InterruptedException {
        Path bin;
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            bin = versions.sorted(Comparator.reverseOrder()).map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb"))).findFirst()
                    .orElseThrow(() -> new IOException("no PostgreSQL server under /usr/lib/postgresql: install the 'postgresql' package"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no PostgreSQL server under /usr/lib/postgresql: install the 'postgresql' package", e);
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        // Under /tmp itself: the postgres user must be able to reach it, which a private temp directory forbids.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "rp-pg-");
        Files.writeString(dir.resolve("pwfile"), password + "\n");
        if (root) {
            exec(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LocalPostgres pg = new LocalPostgres(dir, bin, port, user, password, root);
        pg.exec(true, bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", user, "--pwfile=" + dir.resolve("pwfile"),
                "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C");
        pg.exec(true, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-l",
                dir.resolve("server.log").toString(), "-o", "-h 127.0.0.1 -p " + port + " -k " + dir + " -c max_connections=200", "start");
        return pg;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The directory of PostgreSQL's programs (pg_dump, pg_restore, psql…). */
    public Path bin() {
        return bin;
    }

    /** Runs SQL with psql against {@code database}. */
    public void sql(String database, String sql) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-U", user, "-d", database, "-c", sql).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", password);
        run(pb, "psql");
    }

    private void exec(boolean asPostgres, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres && root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(new ProcessBuilder(full).redirectErrorStream(true), command[0]);
    }

    private static void exec(List<String> command) throws IOException, InterruptedException {
        run(new ProcessBuilder(command).redirectErrorStream(true), command.get(0));
    }

    private static void run(ProcessBuilder pb, String what) throws IOException, InterruptedException {
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(what + " failed:\n" + out);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            exec(true, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
