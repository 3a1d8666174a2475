package io.releasepilot.bench.alert;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.alert.AlertSelector;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.AlertSourceException;
import io.releasepilot.engine.alert.FiringAlert;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.alert.AlertWatch;
import io.releasepilot.engine.alert.WatchReport;
import io.releasepilot.engine.alert.WatchRequest;
import io.releasepilot.engine.alert.AlertmanagerAlerts;
import io.releasepilot.engine.alert.AlertmanagerWebhook;
import io.releasepilot.engine.alert.OnError;
import io.releasepilot.engine.alert.PrometheusAlerts;
import io.releasepilot.engine.alert.RollbackTarget;
import io.releasepilot.engine.alert.Wakeup;
import io.releasepilot.engine.alert.WatchOptions;
import io.releasepilot.engine.alert.WatchSubject;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.sandbox.servers.LocalAlertmanager;
import io.releasepilot.sandbox.servers.LocalPrometheus;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code release-pilot bench alert}: how long from an alert firing to canary traffic at 0, with a
 * real Prometheus and Alertmanager. Poll mode: from the moment the alert is firing in Prometheus's
 * API to traffic 0, at interval 1 s (target p95 ≤ interval + 0.3 s). Push mode: from Alertmanager's
 * webhook send to traffic 0 (target p95 ≤ 0.1 s). In those two the rollback target records the
 * moment instead of changing a cluster, so the figures are the watch's own latency. Cluster mode
 * polls as poll mode does but rolls back a real canary on the simulated cluster: from firing in
 * Prometheus's API until the API server acknowledged the canary's scale to 0 (the cluster write
 * included; target p95 ≤ interval + 0.3 s).
 */
public final class AlertBenchmark {

    public static final int DEFAULT_TRIALS = 20;
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final String RULES = """
            groups:
              - name: canary
                rules:
                  - alert: HighErrorRate
                    expr: canary_error_ratio > 0.05
            """;
    private static final Origin ORIGIN = new Origin("bench", "cli://bench");
    private static final String NAMESPACE = "bench";
    private static final String STABLE_IMAGE = "registry.example.com/web@sha256:" + "1".repeat(64);
    private static final String CANARY_IMAGE = "registry.example.com/web@sha256:" + "2".repeat(64);

    private final Path workDir;
    private final int trials;
    private final ProgressListener progress;
    private final Random random = new Random(42);

    public AlertBenchmark(Path workDir, int trials, ProgressListener progress) {
        this.workDir = workDir;
        this.trials = trials;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        List<Figure> figures = new ArrayList<>();
        try (AuditStore store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:bench-alert-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"))) {
            figures.addAll(pollMode(store));
            figures.addAll(clusterMode(store));
            figures.addAll(pushMode(store));
        }
        return new BenchReport("alert", figures);
    }

    private List<Figure> pollMode(AuditStore store) throws Exception {
        progress.line("[bench alert] poll mode: %d trials, interval %d s, against a real Prometheus", trials, INTERVAL.toSeconds());
        double[] latencies = new double[trials];
        try (MetricsTarget metrics = MetricsTarget.start();
             LocalPrometheus prometheus = LocalPrometheus.start(workDir, metrics, RULES, null)) {
            for (int i = 0; i < trials; i++) {
                String service = "poll-" + i;
                Stamp stamp = new Stamp();
                CountDownLatch watching = new CountDownLatch(1);
                AlertSource source = PrometheusAlerts.of(prometheus.url().toString(),
                        AlertSelector.parse(List.of("HighErrorRate"), List.of("service=\"" + service + "\"")), Duration.ofSeconds(2));
                AlertWatch watch = new AlertWatch(store, ORIGIN, line -> watching.countDown());
                WatchRequest request = new WatchRequest(source, new WatchOptions(Duration.ofMinutes(1), INTERVAL, 1, OnError.FAIL, 3),
                        new WatchSubject(null, null, "bench", "web"), stamp);
                // Prometheus evaluates on its own 1 s schedule: a random start puts the watch's ticks at
                // a random phase to it, as in life (otherwise each trial inherits the last one's phase)
                Thread.sleep(random.nextInt((int) INTERVAL.toMillis()));
                ActHandle<WatchReport> watcher = start(watch, request, service, stamp);
                watching.await();
                metrics.set("canary_error_ratio{service=\"" + service + "\"}", 1);
                long firingSeen = awaitFiring(prometheus, service);
                finish(watcher, stamp);
                stamp.requireTriggered(service);
                latencies[i] = (stamp.zeroedAt.get() - firingSeen) / 1e9;
                metrics.set("canary_error_ratio{service=\"" + service + "\"}", 0);
                progress.line("[bench alert] poll trial %d/%d: %.3f s", i + 1, trials, latencies[i]);
            }
        }
        double budget = INTERVAL.toMillis() / 1000.0 + 0.3;
        return List.of(
                Figure.plain("poll: firing in Prometheus API -> canary traffic 0, p50", percentile(latencies, 50), "s", null),
                Figure.plain("poll: firing in Prometheus API -> canary traffic 0, p95", percentile(latencies, 95), "s", budget),
                Figure.plain("poll: firing in Prometheus API -> canary traffic 0, max", percentile(latencies, 100), "s", null));
    }

    private List<Figure> clusterMode(AuditStore store) throws Exception {
        progress.line("[bench alert] cluster mode: %d trials, interval %d s, a real Prometheus and a canary on the simulated cluster",
                trials, INTERVAL.toSeconds());
        double[] latencies = new double[trials];
        try (MetricsTarget metrics = MetricsTarget.start();
             LocalPrometheus prometheus = LocalPrometheus.start(workDir, metrics, RULES, null);
             SimulatedCluster cluster = new SimulatedCluster(NAMESPACE)) {
            cluster.createApp("web", STABLE_IMAGE, 4);
            CanaryRollback rollback = new CanaryRollback(cluster.client(), store, ORIGIN, ProgressListener.SILENT);
            for (int i = 0; i < trials; i++) {
                String service = "cluster-" + i;
                new CanaryDeploy(cluster.client(), store, ORIGIN, ProgressListener.SILENT, Lifecycle.DEFAULT).deploy(new CanaryRequest(
                        NAMESPACE, "web", ContainerImage.parse("image", CANARY_IMAGE), null, 25, TrafficRouting.replicas, "INT", null,
                        Duration.ofMinutes(1), false, null));
                ClusterRollback target = new ClusterRollback(rollback);
                CountDownLatch watching = new CountDownLatch(1);
                AlertSource source = PrometheusAlerts.of(prometheus.url().toString(),
                        AlertSelector.parse(List.of("HighErrorRate"), List.of("service=\"" + service + "\"")), Duration.ofSeconds(2));
                AlertWatch watch = new AlertWatch(store, ORIGIN, line -> watching.countDown());
                WatchRequest request = new WatchRequest(source, new WatchOptions(Duration.ofMinutes(1), INTERVAL, 1, OnError.FAIL, 3),
                        new WatchSubject(null, null, NAMESPACE, "web"), target);
                Thread.sleep(random.nextInt((int) INTERVAL.toMillis()));
                ActHandle<WatchReport> watcher = start(watch, request, service, target.stamp);
                watching.await();
                metrics.set("canary_error_ratio{service=\"" + service + "\"}", 1);
                long firingSeen = awaitFiring(prometheus, service);
                finish(watcher, target.stamp);
                target.stamp.requireTriggered(service);
                latencies[i] = (target.stamp.zeroedAt.get() - firingSeen) / 1e9;
                metrics.set("canary_error_ratio{service=\"" + service + "\"}", 0);
                progress.line("[bench alert] cluster trial %d/%d: %.3f s", i + 1, trials, latencies[i]);
            }
        }
        double budget = INTERVAL.toMillis() / 1000.0 + 0.3;
        return List.of(
                Figure.plain("cluster: firing in Prometheus API -> canary scaled to 0 on the API server, p50", percentile(latencies, 50), "s", null),
                Figure.plain("cluster: firing in Prometheus API -> canary scaled to 0 on the API server, p95", percentile(latencies, 95), "s", budget),
                Figure.plain("cluster: firing in Prometheus API -> canary scaled to 0 on the API server, max", percentile(latencies, 100), "s", null));
    }

    /** Rolls a canary on the simulated cluster back; notes when the API server acknowledged its traffic at 0. */
    private static final class ClusterRollback implements RollbackTarget {
        final Stamp stamp = new Stamp();
        private final CanaryRollback rollback;

        ClusterRollback(CanaryRollback rollback) {
            this.rollback = rollback;
        }

        @Override
        public void zeroTraffic() {
            rollback.zeroCanaryTraffic(NAMESPACE, "web", "bench alert: HighErrorRate fired");
            stamp.zeroTraffic();
        }

        @Override
        public void rollBack(String reason) {
            rollback.rollback(NAMESPACE, "web", reason);
        }

        @Override
        public String describe() {
            return NAMESPACE + "/web";
        }
    }

    private List<Figure> pushMode(AuditStore store) throws Exception {
        progress.line("[bench alert] push mode: %d trials, a real Alertmanager's webhook wakes a watch polling every 10 min", trials);
        double[] fromSend = new double[trials];
        double[] fromPost = new double[trials];
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        char[] token = HexFormat.of().formatHex(secret).toCharArray();
        Wakeup wakeup = new Wakeup();
        AtomicLong pushedAt = new AtomicLong();
        ProgressListener webhookLines = line -> pushedAt.compareAndSet(0, System.nanoTime());
        try (AlertmanagerWebhook webhook = AlertmanagerWebhook.startOnLoopback(0, token, wakeup, webhookLines);
             LocalAlertmanager alertmanager = LocalAlertmanager.start(workDir, webhook.url(), token)) {
            for (int i = 0; i < trials; i++) {
                String service = "push-" + i;
                Stamp stamp = new Stamp();
                FirstObservation source = new FirstObservation(AlertmanagerAlerts.of(alertmanager.url().toString(),
                        AlertSelector.parse(List.of("HighErrorRate"), List.of("service=\"" + service + "\"")), Duration.ofSeconds(2)));
                AlertWatch watch = new AlertWatch(store, ORIGIN, line -> { }).withWakeup(wakeup);
                WatchRequest request = new WatchRequest(source, new WatchOptions(Duration.ofMinutes(10), Duration.ofMinutes(10), 1, OnError.FAIL, 3),
                        new WatchSubject(null, null, "bench", "web"), stamp);
                pushedAt.set(0);
                ActHandle<WatchReport> watcher = start(watch, request, service, stamp);
                // the push must wake the watch from its wait, not race its first observation
                source.done.await();
                long posted = System.nanoTime();
                alertmanager.post("""
                        [{"labels":{"alertname":"HighErrorRate","service":"%s"},"startsAt":"%s"}]
                        """.formatted(service, Instant.now()));
                finish(watcher, stamp);
                stamp.requireTriggered(service);
                fromSend[i] = (stamp.zeroedAt.get() - pushedAt.get()) / 1e9;
                fromPost[i] = (stamp.zeroedAt.get() - posted) / 1e9;
                progress.line("[bench alert] push trial %d/%d: %.3f s from the webhook, %.3f s from posting to Alertmanager",
                        i + 1, trials, fromSend[i], fromPost[i]);
            }
        }
        return List.of(
                Figure.plain("push: Alertmanager webhook send -> canary traffic 0, p50", percentile(fromSend, 50), "s", null),
                Figure.plain("push: Alertmanager webhook send -> canary traffic 0, p95", percentile(fromSend, 95), "s", 0.1),
                Figure.plain("push: alert posted to Alertmanager -> canary traffic 0, p95", percentile(fromPost, 95), "s", null));
    }

    /** A source that says when its first observation has been answered. */
    private static final class FirstObservation implements AlertSource {
        final CountDownLatch done = new CountDownLatch(1);
        private final AlertSource delegate;

        FirstObservation(AlertSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public List<FiringAlert> firing() throws AlertSourceException {
            try {
                return delegate.firing();
            } finally {
                done.countDown();
            }
        }
    }

    /** Starts a watch (its polls run on the engine's scheduler); each trial is its own run. */
    private static ActHandle<WatchReport> start(AlertWatch watch, WatchRequest request, String service, Stamp stamp) {
        return watch.start(request, new RunId("bench-alert-" + service + "-" + UUID.randomUUID()));
    }

    /** Waits at most a minute for the watch to end, and keeps how it ended. */
    private static void finish(ActHandle<WatchReport> watcher, Stamp stamp) throws InterruptedException {
        try {
            watcher.completion().get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            stamp.outcome.set(e.getCause());
        } catch (TimeoutException e) {
            watcher.stop("the bench gave it a minute");
            stamp.outcome.set(e);
        }
    }

    /** Polls Prometheus's API closely so the firing moment is known to a few milliseconds. */
    private static long awaitFiring(LocalPrometheus prometheus, String service) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() - deadline < 0) {
            if ("firing".equals(prometheus.alertState("HighErrorRate", "service", service))) {
                return System.nanoTime();
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        throw new EnvironmentException("HighErrorRate for " + service + " was not firing in Prometheus within 30 s");
    }

    static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The bench's rollback target: notes when traffic went to 0, changes nothing. */
    private static final class Stamp implements RollbackTarget {
        final AtomicLong zeroedAt = new AtomicLong();
        final AtomicReference<Throwable> outcome = new AtomicReference<>();

        @Override
        public void zeroTraffic() {
            zeroedAt.compareAndSet(0, System.nanoTime());
        }

        @Override
        public void rollBack(String reason) {
        }

        @Override
        public String describe() {
            return "bench/web";
        }

        void requireTriggered(String service) {
            if (zeroedAt.get() == 0 || !(outcome.get() instanceof DeploymentFailedException)) {
                throw new EnvironmentException("the watch for " + service + " did not roll back: " + outcome.get());
            }
        }
    }
}
