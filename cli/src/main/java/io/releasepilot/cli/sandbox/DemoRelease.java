package io.releasepilot.cli.sandbox;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.alert.AlertSelector;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.PrometheusAlerts;
import io.releasepilot.engine.audit.AuditHead;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditVerifier;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.image.BuildahBuilder;
import io.releasepilot.engine.image.BuiltImage;
import io.releasepilot.engine.snapshot.SnapshotResult;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.sandbox.servers.LocalPostgres;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.LocalRegistry;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * The scripted release {@code release-pilot sandbox} plays on the simulated cluster: release
 * 1.1.0 of the demo app ({@link DemoApp}) built, the database snapshotted, through INT and UAT by
 * canary 10% then 50% then promote; in UAT the web canary's error ratio climbs, the alert fires
 * and rolls it back; the fix 1.1.1 goes through INT and UAT; in PROD the lifecycle gate denies the
 * 1.1.0 web image that never passed UAT, the promoted ones go out; last a worker hotfix goes
 * straight to PROD with its reason. Each act prints what the build console would show. The real
 * servers it needs are used when installed and skipped, saying so, when not.
 */
public final class DemoRelease {

    private static final String FIRST = "1.1.0";
    private static final String FIX = "1.1.1";
    private static final String HOTFIX = "1.1.2";
    private static final String HOTFIX_REASON = "worker drops poison messages instead of retrying them forever (queue backlog in PROD)";
    private static final String ALERT = "CanaryErrorRate";
    private static final String ERROR_RATIO = "canary_error_ratio";
    private static final double ERROR_LIMIT = 0.05;
    /** How long the watch of a healthy canary lasts: long enough for a few observations, short enough for the demo. */
    private static final Duration QUIET_WATCH = Duration.ofSeconds(4);
    /** Prometheus fires about 2 s after the ratio climbs; the window only bounds a rule that never does. */
    private static final Duration FAILING_WATCH = Duration.ofSeconds(30);
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    private final Path workDir;
    private final AuditStore store;
    private final PublicKey publicKey;
    private final ProgressListener console;
    private final DemoEngine engine;
    private final Map<String, String> images = new HashMap<>();
    private int act;

    /**
     * @param workDir   a fresh directory for the servers' files, images and dumps
     * @param cluster   the simulated cluster, with {@link DemoApp} created in it
     * @param store     the audit store every act writes to
     * @param publicKey the checkpoint key's public half, to verify the trail at the end
     */
    public DemoRelease(Path workDir, SimulatedCluster cluster, AuditStore store, PublicKey publicKey, Origin origin, ProgressListener console) {
        this.workDir = workDir;
        this.store = store;
        this.publicKey = publicKey;
        this.console = console;
        this.engine = new DemoEngine(cluster.client(), store, origin, console);
    }

    /** Plays every act; returns the verification of the audit trail it wrote. */
    public Verification play() throws IOException, InterruptedException {
        try (MetricsTarget metrics = MetricsTarget.start(); Builds builds = Builds.start(workDir)) {
            // Prometheus takes about 6 s to its first scrape: it starts while the first acts run.
            CompletableFuture<Alerts> starting = CompletableFuture.supplyAsync(() -> Alerts.start(workDir, metrics));
            try {
                playActs(metrics, builds, starting);
            } finally {
                closeOnceStarted(starting);
            }
        }
        return verify();
    }

    private void playActs(MetricsTarget metrics, Builds builds, CompletableFuture<Alerts> starting) throws IOException, InterruptedException {
        heading("buildImage: api, worker and web %s", FIRST);
        build(builds, FIRST, DemoApp.SERVICES.stream().map(DemoApp.Service::name).toList());
        snapshot();
        heading("INT: release %s of api, worker and web, each canary 10%% then 50%%, then promote", FIRST);
        for (DemoApp.Service s : DemoApp.SERVICES) {
            release("int", "INT", s.name(), FIRST);
        }
        heading("UAT: api and worker as in INT; the web canary's error ratio climbs and the alert rolls it back");
        release("uat", "UAT", "api", FIRST);
        release("uat", "UAT", "worker", FIRST);
        Alerts alerts = join(starting);
        failingCanary(metrics, alerts);
        heading("the fix: web %s built, through INT, then watched in UAT at 10%% before it goes on", FIX);
        build(builds, FIX, List.of("web"));
        release("int", "INT", "web", FIX);
        watchedRelease(metrics, alerts, "uat", "UAT", "web", FIX);
        heading("PROD: the lifecycle gate denies web %s, which never passed UAT", FIRST);
        gateDenial();
        heading("PROD: the releases promoted in UAT go out (api %s, worker %s, web %s)", FIRST, FIRST, FIX);
        release("prod", "PROD", "api", FIRST);
        release("prod", "PROD", "worker", FIRST);
        release("prod", "PROD", "web", FIX);
        heading("hotfix: worker %s built and sent straight to PROD, past the gate, with its reason", HOTFIX);
        build(builds, HOTFIX, List.of("worker"));
        engine.canary("prod", "worker", image("worker", HOTFIX), 50, "PROD", HOTFIX_REASON);
        engine.promote("prod", "worker", "PROD", HOTFIX_REASON);
    }

    /** Stops Prometheus, waiting for it to finish starting when an act failed before the alerts were needed. */
    private static void closeOnceStarted(CompletableFuture<Alerts> starting) {
        try {
            starting.get().close();
        } catch (ExecutionException nothingStarted) {
            // the act that needed it has reported why
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            starting.thenAccept(Alerts::close);
        }
    }

    /** The alerts, once started, with their console line; a failure to start is the act's failure. */
    private Alerts join(CompletableFuture<Alerts> starting) throws InterruptedException {
        try {
            Alerts alerts = starting.get();
            console.line(alerts.describe());
            return alerts;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the alert source did not start", e.getCause());
        }
    }

    private void heading(String format, Object... args) {
        act++;
        console.line("");
        console.line("[sandbox] == act %d: %s", act, String.format(Locale.ROOT, format, args));
    }

    private void build(Builds builds, String release, List<String> services) throws IOException, InterruptedException {
        if (builds.registry == null) {
            console.line("[buildImage] skipped: %s. The release uses tag references (registry.sandbox.invalid/demo/SERVICE:%s) instead of built digests",
                    builds.missing, release);
            for (String service : services) {
                images.put(service + ":" + release, "registry.sandbox.invalid/demo/" + service + ":" + release);
            }
            return;
        }
        console.line("[buildImage] a real buildah, pushing to a real docker-registry at %s (started for the sandbox)", builds.registry.address());
        for (String service : services) {
            Path context = Files.createDirectories(workDir.resolve("src/" + service + "-" + release));
            // A tiny real image, its one file naming the service and release: the simulated pods run nothing.
            Files.writeString(context.resolve("release.txt"), service + " " + release + "\n");
            Files.writeString(context.resolve("Dockerfile"), """
                    FROM scratch
                    COPY release.txt /release.txt
                    """);
            String repository = builds.registry.address() + "/demo/" + service;
            BuiltImage built = engine.build(context, repository + ":" + release, service, builds.storage, "sandbox-" + release);
            // Tag and digest: pinned to what was built and tested, and still named by its release.
            images.put(service + ":" + release, repository + ":" + release + "@" + built.digest());
        }
    }

    private String image(String service, String release) {
        return images.get(service + ":" + release);
    }

    private void snapshot() throws IOException, InterruptedException {
        heading("dbSnapshot: the shop database before release %s", FIRST);
        if (!postgresInstalled()) {
            console.line("[dbSnapshot] skipped: no PostgreSQL server is installed (Debian package postgresql)");
            return;
        }
        try (LocalPostgres pg = LocalPostgres.start("shop_owner")) {
            console.line("[dbSnapshot] a real PostgreSQL on 127.0.0.1:%d (started for this act) with a database shop", pg.port());
            pg.sql("postgres", "CREATE DATABASE shop");
            pg.sql("shop", "CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, total numeric(10,2) NOT NULL)");
            pg.sql("shop", "INSERT INTO orders SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 1000) g");
            SnapshotResult result = engine.snapshot(pg.bin(), pg.port(), "shop", pg.user(), pg.password(),
                    Files.createDirectories(workDir.resolve("snapshots")), "api", "INT", FIRST);
            console.line("[sandbox] the dump a restore would use: %s", result.location());
        }
    }

    private static boolean postgresInstalled() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return false;
        }
        try (Stream<Path> list = Files.list(versions)) {
            return list.anyMatch(v -> Files.isExecutable(v.resolve("bin/initdb")));
        }
    }

    /** Canary 10%, then 50%, then promote. */
    private void release(String namespace, String environment, String service, String release) throws InterruptedException {
        String image = image(service, release);
        engine.canary(namespace, service, image, 10, environment, null);
        engine.canary(namespace, service, image, 50, environment, null);
        engine.promote(namespace, service, environment, null);
    }

    private void failingCanary(MetricsTarget metrics, Alerts alerts) throws InterruptedException {
        engine.canary("uat", "web", image("web", FIRST), 10, "UAT", null);
        metrics.set(errorSeries("uat", "web", FIRST), 0.21);
        console.line("[sandbox] uat/web %s canary: 21%% of its requests now fail (the simulation sets %s to 0.21)", FIRST, ERROR_RATIO);
        try (AlertSource source = alerts.source("uat", "web", FIRST)) {
            engine.watchAlerts(source, FAILING_WATCH, WATCH_INTERVAL, "uat", "web", "UAT");
            throw new IllegalStateException("the alert on uat/web did not fire within " + FAILING_WATCH.toSeconds() + " s; "
                    + alerts.url + " is not evaluating the rule " + ALERT);
        } catch (DeploymentFailedException rolledBack) {
            console.line("[sandbox] the alert rolled uat/web back to its stable release: %s", rolledBack.getMessage());
        }
        // The canary is gone, and with it the failing requests.
        metrics.set(errorSeries("uat", "web", FIRST), 0);
    }

    private void watchedRelease(MetricsTarget metrics, Alerts alerts, String namespace, String environment, String service, String release)
            throws InterruptedException {
        metrics.set(errorSeries(namespace, service, release), 0.002);
        engine.canary(namespace, service, image(service, release), 10, environment, null);
        console.line("[sandbox] %s/%s %s canary: 0.2%% of its requests fail, under the alert's %s%%", namespace, service, release,
                String.format(Locale.ROOT, "%.0f", ERROR_LIMIT * 100));
        try (AlertSource source = alerts.source(namespace, service, release)) {
            engine.watchAlerts(source, QUIET_WATCH, WATCH_INTERVAL, namespace, service, environment);
        }
        engine.canary(namespace, service, image(service, release), 50, environment, null);
        engine.promote(namespace, service, environment, null);
    }

    private void gateDenial() throws InterruptedException {
        try {
            engine.canary("prod", "web", image("web", FIRST), 10, "PROD", null);
            throw new IllegalStateException("the lifecycle gate let web " + FIRST + " into PROD, which it must deny");
        } catch (DeploymentFailedException denied) {
            console.line("[sandbox] denied, as it must be: %s", denied.getMessage());
        }
    }

    /** The canary's error ratio; labelled with its release, so an alert on an earlier canary never counts against the next. */
    private static String errorSeries(String namespace, String service, String release) {
        return ERROR_RATIO + "{namespace=\"" + namespace + "\",release=\"" + release + "\",service=\"" + service + "\",track=\"canary\"}";
    }

    private Verification verify() {
        heading("the audit trail: every record and checkpoint signature checked, and the heads the console printed");
        List<AuditHead> heads = engine.heads();
        Verification v = AuditVerifier.verify(store, publicKey, true, heads);
        if (v.ok()) {
            console.line("[audit] %d records verified: hash chain intact, %d checkpoint signature(s) verified, the newest record signed, "
                    + "all %d printed heads found", v.records(), v.signaturesVerified(), heads.size());
        } else {
            console.line("[audit] verification FAILED at seq %d: %s", v.problem().seq(), v.problem().message());
        }
        return v;
    }

    /**
     * Where the alerts come from: a real Prometheus evaluating the rule over the metrics target
     * when it is installed, else the metrics target's own simulated alerts endpoint.
     */
    private static final class Alerts implements AutoCloseable {

        private final LocalPrometheus prometheus;
        private final String url;
        private final String describe;

        private Alerts(LocalPrometheus prometheus, String url, String describe) {
            this.prometheus = prometheus;
            this.url = url;
            this.describe = describe;
        }

        static Alerts start(Path workDir, MetricsTarget metrics) {
            String rule = ERROR_RATIO + " > " + ERROR_LIMIT;
            if (Files.isExecutable(PROMETHEUS)) {
                LocalPrometheus prometheus = LocalPrometheus.start(workDir, metrics, """
                        groups:
                          - name: sandbox
                            rules:
                              - alert: %s
                                expr: %s
                                for: 0s
                        """.formatted(ALERT, rule), null);
                return new Alerts(prometheus, prometheus.url().toString(), String.format(Locale.ROOT,
                        "[sandbox] alerts: a real Prometheus at %s scraping the simulation's metrics at %s, rule %s: %s",
                        prometheus.url(), metrics.address(), ALERT, rule));
            }
            metrics.alertWhenAbove(ALERT, ERROR_RATIO, ERROR_LIMIT);
            return new Alerts(null, metrics.alertsUrl(), String.format(Locale.ROOT,
                    "[sandbox] alerts: Prometheus is not installed (%s, Debian package prometheus), so the simulation's own metrics "
                            + "endpoint %s answers Prometheus's alerts API, rule %s: %s", PROMETHEUS, metrics.alertsUrl(), ALERT, rule));
        }

        AlertSource source(String namespace, String service, String release) {
            return PrometheusAlerts.of(url, AlertSelector.parse(List.of(ALERT),
                    List.of("namespace=" + namespace, "service=" + service, "release=" + release)), Duration.ofSeconds(5));
        }

        /** The console line saying which source this is. */
        String describe() {
            return describe;
        }

        @Override
        public void close() {
            if (prometheus != null) {
                prometheus.close();
            }
        }
    }

    /**
     * buildah's storage and a real registry to push to, when buildah and docker-registry are both
     * installed; else why the builds are skipped.
     */
    private static final class Builds implements AutoCloseable {

        private final LocalRegistry registry;
        private final BuildahBuilder.Storage storage;
        private final String missing;

        private Builds(LocalRegistry registry, BuildahBuilder.Storage storage, String missing) {
            this.registry = registry;
            this.storage = storage;
            this.missing = missing;
        }

        static Builds start(Path workDir) {
            if (!new LocalProcessLauncher().isExecutable("buildah")) {
                return new Builds(null, null, "buildah is not installed (Debian packages buildah, runc)");
            }
            if (!Files.isExecutable(LocalRegistry.BINARY)) {
                return new Builds(null, null, "no local registry: " + LocalRegistry.BINARY + " is not installed (Debian package docker-registry)");
            }
            return new Builds(LocalRegistry.start(workDir), new BuildahBuilder.Storage(workDir.resolve("buildah/root").toString(),
                    workDir.resolve("buildah/runroot").toString(), "vfs"), null);
        }

        @Override
        public void close() {
            if (registry != null) {
                registry.close();
            }
        }
    }
}
