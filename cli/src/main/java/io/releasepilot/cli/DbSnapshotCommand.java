package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.snapshot.AwsAccess;
import io.releasepilot.engine.snapshot.DatabasePassword;
import io.releasepilot.engine.snapshot.PgPassFile;
import io.releasepilot.engine.snapshot.PostgresSnapshotRequest;
import io.releasepilot.engine.snapshot.PostgresSnapshotter;
import io.releasepilot.engine.snapshot.RdsSnapshotRequest;
import io.releasepilot.engine.snapshot.RdsSnapshotter;
import io.releasepilot.engine.snapshot.SnapshotEngine;
import io.releasepilot.engine.snapshot.SnapshotLabels;
import io.releasepilot.engine.snapshot.SnapshotResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;

@Command(name = "db-snapshot", mixinStandardHelpOptions = true,
        description = {"Snapshot a database before a migration: an RDS DB instance or Aurora cluster, or a PostgreSQL server with pg_dump.",
            "Prints the snapshot's ARN or the dump's path. See docs/db-snapshot.md."},
        footer = {"%nCredentials: AWS from the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], "
                + "AWS_PROFILE including role_arn profiles, container and instance roles). PostgreSQL password from PGPASSWORD, "
                + "else the PGPASSFILE file (default ~/.pgpass), as libpq does; never as a flag."})
final class DbSnapshotCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--engine", required = true, paramLabel = "rds|postgres", description = "rds (DB instance or Aurora cluster) or postgres (pg_dump).")
    String engine;

    @Option(names = "--instance", paramLabel = "ID", description = "rds: the DB instance identifier.")
    String instance;

    @Option(names = "--cluster", paramLabel = "ID", description = "rds: the Aurora DB cluster identifier.")
    String cluster;

    @Option(names = "--host", paramLabel = "H", description = "postgres: the server's host name or address.")
    String host;

    @Option(names = "--port", paramLabel = "P", description = "postgres: the server's port. Default: 5432.")
    Integer port;

    @Option(names = "--database", paramLabel = "DB", description = "postgres: the database to dump.")
    String database;

    @Option(names = "--username", paramLabel = "U", description = "postgres: the role to connect as.")
    String username;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "postgres: the directory the dump and its manifest are written to.")
    Path outputDir;

    @Option(names = "--snapshot-id", paramLabel = "ID",
            description = "The snapshot identifier (rds) or dump name (postgres), or a template with {service}, {environment}, {release}, "
                    + "{run} (12 hex digits from service, environment, release and this run), {timestamp} (UTC yyyyMMdd-HHmmss). "
                    + "Default: rp-{service}-{environment}-{run}.")
    String snapshotId;

    @Option(names = "--retain", paramLabel = "N",
            description = "Keep only the N newest snapshots Release Pilot took of this database (the new one counts); older ones it took are deleted. "
                    + "Snapshots anyone else took are never touched.")
    Integer retain;

    @Option(names = "--dry-run", description = "Create and delete nothing: print the snapshot that would be taken and what --retain would delete.")
    boolean dryRun;

    @Option(names = "--timeout", paramLabel = "DUR", defaultValue = "1h",
            description = "How long to wait for the snapshot (rds: until available; postgres: pg_dump). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--region", paramLabel = "R", description = "rds: the AWS region. Default: AWS_REGION, then the AWS profile's region.")
    String region;

    @Option(names = "--service", paramLabel = "S",
            description = "Logical service name, for tags and the audit trail. Default: the instance, cluster or database name "
                    + "(lower case, '_' as '-').")
    String service;

    @Option(names = "--environment", paramLabel = "E", description = "Environment (INT, UAT, PROD…), for tags and the audit trail.")
    String environment;

    @Option(names = "--release", paramLabel = "R", description = "Release name or version, for tags and the audit trail.")
    String release;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = new CliContext(spec);
        SnapshotEngine kind = SnapshotEngine.parse(engine);
        Duration wait = Durations.parsePositive("timeout", timeout);
        ProgressListener console = line -> ctx.err().println(line);
        if (kind == SnapshotEngine.RDS) {
            RdsSnapshotRequest request = rdsRequest(ctx, wait);
            AwsAccess access = AwsAccess.defaultChain(region());
            try (ActAudit audit = ctx.openAct(ctx.err());
                 RdsSnapshotter snapshotter = RdsSnapshotter.connect(access, audit.store(), ctx.origin(), console)) {
                print(ctx, audit, snapshotter.snapshot(request, ctx.runId()));
            }
        } else {
            PostgresSnapshotRequest request = postgresRequest(ctx, wait);
            PostgresSnapshotter snapshotter = new PostgresSnapshotter(new LocalProcessLauncher(), console);
            snapshotter.preflight(request);
            try (ActAudit audit = ctx.openAct(ctx.err())) {
                print(ctx, audit, snapshotter.snapshot(request, ctx.runId(), audit.store(), ctx.origin()));
            }
        }
        return 0;
    }

    private RdsSnapshotRequest rdsRequest(CliContext ctx, Duration wait) {
        rejectForEngine("rds", "--instance or --cluster", host, "host", port, "port", database, "database", username, "username",
                outputDir, "output-dir");
        if ((instance == null) == (cluster == null)) {
            throw new InvalidInputException(instance == null ? "instance" : "cluster", instance == null ? null : instance + "' and '" + cluster,
                    "exactly one of --instance ID or --cluster ID for --engine rds");
        }
        RdsSnapshotRequest.Source source = instance != null ? RdsSnapshotRequest.Source.instance(instance)
                : RdsSnapshotRequest.Source.cluster(cluster);
        return new RdsSnapshotRequest(source, snapshotId, labels(ctx, source.identifier(), instance != null ? "instance" : "cluster"),
                retain, wait, dryRun);
    }

    private PostgresSnapshotRequest postgresRequest(CliContext ctx, Duration wait) {
        rejectForEngine("postgres", "--host, --database, --username and --output-dir", instance, "instance", cluster, "cluster", region, "region");
        require(host, "host", PostgresSnapshotRequest.HOST_FORM);
        require(database, "database", PostgresSnapshotRequest.DATABASE_FORM);
        require(username, "username", PostgresSnapshotRequest.USERNAME_FORM);
        require(outputDir, "output-dir", PostgresSnapshotRequest.OUTPUT_DIR_FORM);
        int p = port == null ? 5432 : port;
        SnapshotLabels labels = labels(ctx, database, "database");
        PostgresSnapshotRequest unauthenticated = new PostgresSnapshotRequest(host, p, database, username, null,
                outputDir.toAbsolutePath().normalize().toString(), snapshotId, labels, retain, wait, dryRun);
        DatabasePassword password = password(unauthenticated);
        return new PostgresSnapshotRequest(host, p, database, username, password, unauthenticated.outputDir(), snapshotId, labels, retain,
                wait, dryRun);
    }

    /** PGPASSWORD, else the password file libpq would read (PGPASSFILE, default ~/.pgpass). */
    private static DatabasePassword password(PostgresSnapshotRequest r) {
        String fromEnv = System.getenv("PGPASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return DatabasePassword.of(fromEnv);
        }
        String passfile = System.getenv("PGPASSFILE");
        Path file = passfile != null && !passfile.isEmpty() ? Path.of(passfile) : Path.of(System.getProperty("user.home"), ".pgpass");
        try {
            return PgPassFile.lookup(file, r.host(), r.port(), r.database(), r.username()).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the PostgreSQL password file " + file, e);
        }
    }

    private SnapshotLabels labels(CliContext ctx, String sourceName, String sourceParameter) {
        String svc = service;
        if (svc == null) {
            svc = sourceName.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            try {
                Names.service(svc);
            } catch (InvalidInputException notAServiceName) {
                throw new InvalidInputException("service", null, Names.SERVICE_FORM + "; required because the " + sourceParameter
                        + " name '" + sourceName + "' is not a service name");
            }
        }
        return new SnapshotLabels(svc, environment, release, ctx.origin().origin());
    }

    private String region() {
        if (region != null) {
            return region;
        }
        try {
            return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider()).getRegion().id();
        } catch (SdkClientException none) {
            throw new InvalidInputException("region", null, AwsAccess.REGION_FORM + " (--region, AWS_REGION or the AWS profile's region)");
        }
    }

    private static void require(Object value, String parameter, String form) {
        if (value == null) {
            throw new InvalidInputException(parameter, null, form + " (required with --engine postgres)");
        }
    }

    /** Flags of the other engine are a mistake worth stopping for: the user meant something else. */
    private static void rejectForEngine(String engine, String takes, Object... valuesAndNames) {
        for (int i = 0; i < valuesAndNames.length; i += 2) {
            if (valuesAndNames[i] != null) {
                throw new InvalidInputException((String) valuesAndNames[i + 1], String.valueOf(valuesAndNames[i]),
                        "nothing: --engine " + engine + " takes " + takes);
            }
        }
    }

    private static void print(CliContext ctx, ActAudit audit, SnapshotResult r) {
        if (ctx.json()) {
            ObjectNode o = JSON.createObjectNode();
            o.put("engine", r.engine().id());
            o.put("snapshotId", r.snapshotId());
            if (r.location() == null) {
                o.putNull("location");
            } else {
                o.put("location", r.location());
            }
            o.put("created", r.created());
            o.put("dryRun", !r.created());
            o.put("attempts", r.attempts());
            o.put("waitedSeconds", r.waited().toMillis() / 1000.0);
            ArrayNode pruned = o.putArray(r.created() ? "pruned" : "wouldPrune");
            for (SnapshotResult.PrunedSnapshot p : r.pruned()) {
                ObjectNode po = pruned.addObject();
                po.put("snapshotId", p.snapshotId());
                po.put("location", p.location());
                po.put("createdAt", p.createdAt() == null ? null : p.createdAt().toString());
            }
            ObjectNode facts = o.putObject("facts");
            r.facts().forEach(facts::put);
            audit.finish(o);
            ctx.out().println(o);
            return;
        }
        audit.finish(null);
        if (!r.created()) {
            ctx.out().printf("dry run: would create %s; would prune %d%n", r.location() != null ? r.location() : r.snapshotId(), r.pruned().size());
            for (SnapshotResult.PrunedSnapshot p : r.pruned()) {
                ctx.out().printf("  would prune %s (taken %s)%n", p.location() != null ? p.location() : p.snapshotId(), p.createdAt());
            }
            return;
        }
        ctx.out().println(r.location());
    }
}
