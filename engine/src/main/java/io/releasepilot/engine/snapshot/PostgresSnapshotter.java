package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.HostFile;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * dbSnapshot with {@code engine: 'postgres'}: {@code pg_dump -Fc} on the host through the
 * {@link ProcessLauncher} (the agent under Jenkins), proved readable with {@code pg_restore --list},
 * its sha256 and size written to a manifest beside it and to the audit trail, then retention over
 * this tool's dumps of the same database in that directory.
 *
 * <p>The password reaches pg_dump only through a private (0600) passfile named by
 * {@code PGPASSFILE}, removed when the dump ends: never on a command line, never in output.
 */
public final class PostgresSnapshotter {

    static final String PG_DUMP = "pg_dump";
    static final String PG_RESTORE = "pg_restore";
    /** What pg_dump writes to until the dump verified; never listed as a snapshot. */
    static final String PARTIAL_SUFFIX = ".partial";
    private static final Duration VERIFY_TIMEOUT_MIN = Duration.ofMinutes(5);

    private final ProcessLauncher launcher;
    private final ProgressListener listener;
    private final String pgDump;
    private final String pgRestore;
    private final Supplier<Instant> now;

    public PostgresSnapshotter(ProcessLauncher launcher, ProgressListener listener) {
        this(launcher, listener, PG_DUMP, PG_RESTORE, Instant::now);
    }

    private PostgresSnapshotter(ProcessLauncher launcher, ProgressListener listener, String pgDump, String pgRestore, Supplier<Instant> now) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.pgDump = pgDump;
        this.pgRestore = pgRestore;
        this.now = now;
    }

    /** The same snapshotter using the pg_dump and pg_restore of {@code binDirectory} (e.g. a newer server's). */
    public PostgresSnapshotter withBinDirectory(String binDirectory) {
        return new PostgresSnapshotter(launcher, listener, binDirectory + "/" + PG_DUMP, binDirectory + "/" + PG_RESTORE, now);
    }

    /**
     * Checks what can be checked on the host without touching the database: the output directory
     * and the programs. Call before opening anything; {@link #snapshot} calls it again.
     */
    public void preflight(PostgresSnapshotRequest request) {
        if (!launcher.isWritableDirectory(request.outputDir())) {
            throw new InvalidInputException("output-dir", request.outputDir(),
                    "an existing directory on the agent in which this process can create files");
        }
        for (String program : List.of(pgDump, pgRestore)) {
            if (!launcher.isExecutable(program)) {
                throw new EnvironmentException(program + " was not found on the agent (PATH or the given directory): install the "
                        + "PostgreSQL client programs (Debian/Ubuntu: postgresql-client, RHEL: postgresql), no older than the server");
            }
        }
    }

    /**
     * Dumps, verifies, records and prunes; returns the dump's path on the host as the location.
     * pg_dump writes to {@code <name>.dump.partial}, renamed to {@code <name>.dump} only once it
     * verified and its sha256 is known, so no reader ever sees half a dump under the final name.
     * On an interrupt (a Jenkins abort, Ctrl-C) or any failure the partial file is removed and a
     * FAILED record written before the exception leaves.
     *
     * @param run the host's run id: the default name derives from it, so the same run names the same dump
     */
    public SnapshotResult snapshot(PostgresSnapshotRequest request, RunId run, AuditStore audit, Origin origin) throws InterruptedException {
        preflight(request);
        Instant startedAt = now.get();
        String id = SnapshotIds.file(request.template(), request.labels(), run, startedAt);
        String dumpName = id + ".dump";
        String dumpPath = join(request.outputDir(), dumpName);
        String partialPath = dumpPath + PARTIAL_SUFFIX;
        List<String> existing = list(request.outputDir());
        if (existing.contains(dumpName) || existing.contains(dumpName + DumpManifest.SUFFIX)) {
            throw new EnvironmentException("a dump named " + dumpName + " already exists in " + request.outputDir()
                    + ": choose another --snapshot-id; the existing file was left alone");
        }
        if (request.dryRun()) {
            listener.line("[dbSnapshot] postgres %s: dry run: would write %s", request.databaseRef(), dumpPath);
            List<SnapshotResult.PrunedSnapshot> wouldGo = new ArrayList<>();
            if (request.retain() != null) {
                for (Owned o : Retention.toPrune(owned(request, existing, null), Owned::createdAt, request.retain())) {
                    listener.line("[dbSnapshot] postgres %s: dry run: would prune %s (taken %s; keeping the newest %d)",
                            request.databaseRef(), o.dumpPath(), o.createdAt(), request.retain());
                    wouldGo.add(new SnapshotResult.PrunedSnapshot(o.manifest().snapshotId(), o.dumpPath(), o.createdAt()));
                }
            }
            return new SnapshotResult(SnapshotEngine.POSTGRES, id, dumpPath, false, 0, Duration.ZERO, wouldGo,
                    Map.of("database", request.databaseRef()));
        }
        long started = System.nanoTime();
        DumpManifest manifest;
        boolean renamed = false;
        try {
            if (existing.contains(dumpName + PARTIAL_SUFFIX)) {
                listener.line("[dbSnapshot] postgres %s: removing %s left by an interrupted attempt", request.databaseRef(), partialPath);
                delete(partialPath);
            }
            listener.line("[dbSnapshot] postgres %s: dumping to %s", request.databaseRef(), dumpPath);
            dump(request, partialPath);
            int toc = verify(request, partialPath);
            String sha256 = hostCall("compute the sha256 of", partialPath, () -> launcher.sha256(partialPath));
            long size = hostCall("read the size of", partialPath, () -> launcher.size(partialPath));
            manifest = new DumpManifest(SnapshotLabels.MANAGED_BY_VALUE, id, dumpName, "custom", request.host(), request.port(),
                    request.database(), request.username(), request.labels().service(), request.labels().environment(),
                    request.labels().release(), request.labels().build(), startedAt.toString(), sha256, size, toc);
            hostCall("rename", partialPath, () -> {
                launcher.move(partialPath, dumpPath);
                return null;
            });
            renamed = true;
            write(join(request.outputDir(), dumpName + DumpManifest.SUFFIX), manifest.toJson());
        } catch (InterruptedException e) {
            // cleaned up and recorded with the interrupt cleared: a JDBC pool refuses an interrupted thread
            Thread.interrupted();
            try {
                failed(request, audit, origin, partialPath, renamed ? dumpPath : null, "interrupted: the dump was stopped and no dump was kept", e);
            } finally {
                Thread.currentThread().interrupt();
            }
            throw e;
        } catch (RuntimeException e) {
            failed(request, audit, origin, partialPath, renamed ? dumpPath : null, e.getMessage(), e);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        listener.line("[dbSnapshot] postgres %s: %s verified (%d entries), %,d bytes, sha256 %s, in %s", request.databaseRef(), dumpPath,
                manifest.tocEntries(), manifest.sizeBytes(), manifest.sha256(), Durations.format(Duration.ofMillis(took.toMillis())));
        audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_CREATED, request.labels().service())
                .environment(request.labels().environment())
                .release(request.labels().release())
                .target(dumpPath)
                .detail("engine", "postgres")
                .detail("database", request.databaseRef())
                .detail("snapshotId", id)
                .detail("sha256", manifest.sha256())
                .detail("sizeBytes", String.valueOf(manifest.sizeBytes()))
                .detail("tocEntries", String.valueOf(manifest.tocEntries()))
                .detail("build", request.labels().build())
                .build(), origin);
        List<SnapshotResult.PrunedSnapshot> pruned = request.retain() == null ? List.of()
                : prune(request, audit, origin, dumpName);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("database", request.databaseRef());
        facts.put("sha256", manifest.sha256());
        facts.put("sizeBytes", String.valueOf(manifest.sizeBytes()));
        facts.put("tocEntries", String.valueOf(manifest.tocEntries()));
        facts.put("manifest", join(request.outputDir(), dumpName + DumpManifest.SUFFIX));
        return new SnapshotResult(SnapshotEngine.POSTGRES, id, dumpPath, true, 0, took, pruned, facts);
    }

    /**
     * Removes what the attempt left on the host and records it as FAILED; a record that cannot be
     * written is added to {@code failure}, so the first cause stays the one the step reports.
     */
    private void failed(PostgresSnapshotRequest request, AuditStore audit, Origin origin, String partialPath, String renamedPath, String reason,
                        Exception failure) {
        removeQuietly(partialPath);
        if (renamedPath != null) {
            removeQuietly(renamedPath);
        }
        String dumpPath = partialPath.substring(0, partialPath.length() - PARTIAL_SUFFIX.length());
        try {
            audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_CREATED, request.labels().service())
                    .environment(request.labels().environment())
                    .release(request.labels().release())
                    .target(dumpPath)
                    .outcome(Outcome.FAILED)
                    .reason(reason)
                    .detail("engine", "postgres")
                    .detail("database", request.databaseRef())
                    .build(), origin);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** One call on the host's files. */
    @FunctionalInterface
    private interface HostCall<T> {
        T call() throws IOException;
    }

    private <T> T hostCall(String what, String path, HostCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new EnvironmentException("cannot " + what + " " + path + " on the agent: " + e.getMessage(), e);
        }
    }

    private void delete(String path) {
        hostCall("delete", path, () -> {
            launcher.delete(path);
            return null;
        });
    }

    private void dump(PostgresSnapshotRequest request, String dumpPath) throws InterruptedException {
        List<String> command = List.of(pgDump, "--format=custom", "--no-password", "--host=" + request.host(), "--port=" + request.port(),
                "--username=" + request.username(), "--file=" + dumpPath, request.database());
        Map<String, String> env = new LinkedHashMap<>();
        // An inherited PGPASSWORD would win over the passfile; empty, libpq ignores it.
        env.put("PGPASSWORD", "");
        env.put("PGCONNECT_TIMEOUT", "15");
        Set<String> masked = request.password() == null ? Set.of() : Set.of(request.password().reveal());
        HostFile passfile = null;
        try {
            if (request.password() != null) {
                passfile = launcher.writePrivateFile("release-pilot-pgpass", PgPassFile.anyConnection(request.password()));
                env.put("PGPASSFILE", passfile.path());
            }
            ProcessResult result = launcher.run(new ProcessRequest(command, null, env, request.timeout(),
                    line -> listener.line("[dbSnapshot] pg_dump: %s", line), masked));
            if (result.timedOut()) {
                throw new EnvironmentException("pg_dump of " + request.databaseRef() + " did not finish within " + Durations.format(request.timeout())
                        + " and was stopped: raise --timeout; no dump was kept");
            }
            if (!result.succeeded()) {
                throw new EnvironmentException("pg_dump of " + request.databaseRef() + " as " + request.username() + " failed (exit "
                        + result.exitCode() + "); no dump was kept:\n" + result.tailText());
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot run " + pgDump + " on the agent: " + e.getMessage(), e);
        } finally {
            if (passfile != null) {
                try {
                    passfile.close();
                } catch (IOException e) {
                    listener.line("[dbSnapshot] warning: could not remove the temporary passfile %s: %s", passfile.path(), e.getMessage());
                }
            }
        }
    }

    /** {@code pg_restore --list}: the archive must be complete and readable; returns its number of entries. */
    private int verify(PostgresSnapshotRequest request, String dumpPath) throws InterruptedException {
        AtomicInteger entries = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        ProgressListener counter = line -> {
            if (line.startsWith("pg_restore:")) {
                synchronized (errors) {
                    errors.add(line);
                }
            } else if (!line.isBlank() && !line.startsWith(";")) {
                entries.incrementAndGet();
            }
        };
        Duration timeout = request.timeout().compareTo(VERIFY_TIMEOUT_MIN) > 0 ? request.timeout() : VERIFY_TIMEOUT_MIN;
        try {
            ProcessResult result = launcher.run(new ProcessRequest(List.of(pgRestore, "--list", dumpPath), null, Map.of(), timeout,
                    counter, Set.of()));
            if (!result.succeeded() || entries.get() == 0) {
                throw new EnvironmentException("the dump " + dumpPath + " of " + request.databaseRef() + " does not verify: pg_restore --list "
                        + (result.timedOut() ? "timed out" : "exited " + result.exitCode()) + " with " + entries.get() + " entries"
                        + (errors.isEmpty() ? "" : ":\n" + String.join("\n", errors)) + "\nno dump was kept");
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot run " + pgRestore + " on the agent: " + e.getMessage(), e);
        }
        return entries.get();
    }

    /** A dump this tool took of the request's database, proved by its manifest. */
    private record Owned(DumpManifest manifest, String dumpPath, String manifestPath) {
        Instant createdAt() {
            return manifest.createdAtInstant();
        }
    }

    private List<Owned> owned(PostgresSnapshotRequest request, List<String> names, String exceptDump) {
        List<Owned> owned = new ArrayList<>();
        for (String name : names) {
            if (!name.endsWith(".dump" + DumpManifest.SUFFIX)) {
                continue;
            }
            String dumpName = name.substring(0, name.length() - DumpManifest.SUFFIX.length());
            if (dumpName.equals(exceptDump) || !names.contains(dumpName)) {
                continue;
            }
            String manifestPath = join(request.outputDir(), name);
            DumpManifest m;
            try (InputStream in = launcher.read(manifestPath)) {
                m = DumpManifest.parse(in.readAllBytes());
            } catch (IOException e) {
                throw new EnvironmentException("cannot read " + manifestPath + " on the agent: " + e.getMessage(), e);
            }
            if (m != null && m.isOursFor(request) && dumpName.equals(m.file()) && m.createdAtInstant() != null) {
                owned.add(new Owned(m, join(request.outputDir(), dumpName), manifestPath));
            }
        }
        return owned;
    }

    private List<SnapshotResult.PrunedSnapshot> prune(PostgresSnapshotRequest request, AuditStore audit, Origin origin, String keep) {
        List<SnapshotResult.PrunedSnapshot> pruned = new ArrayList<>();
        for (Owned o : Retention.toPrune(owned(request, list(request.outputDir()), keep), Owned::createdAt, request.retain())) {
            try {
                launcher.delete(o.dumpPath());
                launcher.delete(o.manifestPath());
            } catch (IOException e) {
                throw new EnvironmentException("cannot delete the old dump " + o.dumpPath() + " on the agent: " + e.getMessage(), e);
            }
            listener.line("[dbSnapshot] postgres %s: pruned %s (taken %s; keeping the newest %d)", request.databaseRef(), o.dumpPath(),
                    o.createdAt(), request.retain());
            audit.append(AuditEvent.builder(AuditAction.SNAPSHOT_PRUNED, request.labels().service())
                    .environment(request.labels().environment())
                    .target(o.dumpPath())
                    .reason("retain " + request.retain() + ": older than the newest " + request.retain()
                            + " Release Pilot dumps of " + request.databaseRef())
                    .detail("engine", "postgres")
                    .detail("database", request.databaseRef())
                    .detail("snapshotId", o.manifest().snapshotId())
                    .detail("sha256", o.manifest().sha256())
                    .detail("takenAt", o.manifest().createdAt())
                    .build(), origin);
            pruned.add(new SnapshotResult.PrunedSnapshot(o.manifest().snapshotId(), o.dumpPath(), o.createdAt()));
        }
        return pruned;
    }

    private List<String> list(String dir) {
        try {
            return launcher.list(dir);
        } catch (IOException e) {
            throw new EnvironmentException("cannot list " + dir + " on the agent: " + e.getMessage(), e);
        }
    }

    private void write(String path, byte[] content) {
        try {
            launcher.write(path, content);
        } catch (IOException e) {
            throw new EnvironmentException("cannot write " + path + " on the agent: " + e.getMessage(), e);
        }
    }

    private void removeQuietly(String path) {
        try {
            launcher.delete(path);
        } catch (IOException e) {
            listener.line("[dbSnapshot] warning: could not remove the unfinished dump %s: %s", path, e.getMessage());
        }
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
