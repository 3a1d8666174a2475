package io.releasepilot.bench.kube;

import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryResult;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.PromoteRequest;
import io.releasepilot.engine.kube.RunLock;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.engine.release.Lifecycle;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * {@code release-pilot bench canary}, against the SIMULATED cluster (CRUD mock + simulated
 * Deployment controller): the API requests one deployCanary and one promote make when the rollout
 * takes 1 s and when it takes 30 s (waits are watches, so the counts should be equal), and 50
 * canaries driven at once by one process (wall time and peak heap).
 */
public final class CanaryBenchmark {

    private static final Origin ORIGIN = new Origin("bench", "cli://bench");
    private static final int STARTERS = 4;
    private static final String MOCK_WATCH_THREADS = "pool-N-thread-N";
    /** The starters, the act scheduler's 4 and the Kubernetes client's few: a handful, however many canaries wait. */
    private static final int MAX_ADDED_THREADS = 16;
    private static final String STABLE = "registry.example.com/app@sha256:" + "1".repeat(64);
    private static final String CANARY = "registry.example.com/app@sha256:" + "2".repeat(64);

    private final ProgressListener progress;
    private final Duration slowRollout;
    private final int parallelCanaries;

    /**
     * @param slowRollout      how long the slow rollout's pods take to get ready (30 s in the published figures)
     * @param parallelCanaries how many canaries run at once (50 in the published figures)
     */
    public CanaryBenchmark(ProgressListener progress, Duration slowRollout, int parallelCanaries) {
        this.progress = progress;
        this.slowRollout = slowRollout;
        this.parallelCanaries = parallelCanaries;
    }

    public BenchReport run() throws Exception {
        List<Figure> figures = new ArrayList<>();
        long[] fast = requestsPerAct(Duration.ofSeconds(1));
        long[] slow = requestsPerAct(slowRollout);
        String slowText = slowRollout.toSeconds() + " s";
        // Waits are watches, so a slower rollout costs no more requests, except the lease's renewal
        // (a read and a write every third of its time to live) while the act runs.
        long renewals = 2 * (slowRollout.toMillis() / (RunLock.TTL.toMillis() / 3) + 1);
        figures.add(Figure.plain("API requests per deployCanary, " + slowText + " rollout (1 s: " + fast[0] + "; bound: that + "
                + renewals + " for lease renewals)", slow[0], "requests", (double) (fast[0] + renewals)));
        figures.add(Figure.plain("API requests per promote, " + slowText + " rollout (1 s: " + fast[1] + "; bound: that + "
                + renewals + " for lease renewals)", slow[1], "requests", (double) (fast[1] + renewals)));
        figures.add(Figure.plain("409 retries (lost races with the controller), both rollouts", fast[2] + slow[2], "requests", null));
        figures.addAll(parallel());
        return new BenchReport("canary", figures);
    }

    /**
     * Requests at the mock for one deployCanary and one promote of a 4-replica Deployment, without
     * the read and write each 409 costs (a race with the controller, whatever the duration), and
     * the number of those 409s.
     */
    private long[] requestsPerAct(Duration rollout) {
        progress.line("[bench canary] deployCanary + promote with pods ready after %d ms", rollout.toMillis());
        try (SimulatedCluster cluster = new SimulatedCluster("bench");
             AuditStore store = memoryStore()) {
            cluster.controller().readyAfter(rollout);
            cluster.createApp("app", STABLE, 4);
            Duration deadline = rollout.plusMinutes(2);
            long conflictsBefore = cluster.dispatcher().conflicts();
            long before = requestsBeyondRetries(cluster);
            new CanaryDeploy(cluster.client(), store, ORIGIN, ProgressListener.SILENT, Lifecycle.DEFAULT)
                    .deploy(new CanaryRequest("bench", "app", ContainerImage.parse("image", CANARY), null, 25, TrafficRouting.replicas,
                            "INT", null, deadline, false, null));
            long deploy = requestsBeyondRetries(cluster) - before;
            before = requestsBeyondRetries(cluster);
            new CanaryPromote(cluster.client(), store, ORIGIN, ProgressListener.SILENT, Lifecycle.DEFAULT)
                    .promote(new PromoteRequest("bench", "app", "INT", false, null, deadline));
            long promote = requestsBeyondRetries(cluster) - before;
            long conflicts = cluster.dispatcher().conflicts() - conflictsBefore;
            progress.line("[bench canary]   %d requests for deployCanary, %d for promote (plus 2 for each of %d 409 retries)",
                    deploy, promote, conflicts);
            return new long[] {deploy, promote, conflicts};
        }
    }

    private static long requestsBeyondRetries(SimulatedCluster cluster) {
        return cluster.dispatcher().requests() - 2 * cluster.dispatcher().conflicts();
    }

    private List<Figure> parallel() throws Exception {
        int n = parallelCanaries;
        progress.line("[bench canary] %d canaries at once, one process", n);
        try (SimulatedCluster cluster = new SimulatedCluster("fleet");
             AuditStore store = memoryStore()) {
            cluster.controller().readyAfter(Duration.ofSeconds(1));
            for (int i = 0; i < n; i++) {
                cluster.createApp(name(i), STABLE, 2);
            }
            System.gc();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            AtomicLong peak = new AtomicLong(memory.getHeapMemoryUsage().getUsed());
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            Map<String, Long> before = threadsByKind();
            int threadsBefore = threads.getThreadCount();
            AtomicInteger peakThreads = new AtomicInteger(threadsBefore);
            Map<String, Long> atPeak = before;
            // A few host threads start the canaries (start() does its first writes on the caller's
            // thread, as a Jenkins build's background thread would); the waits then hold none of them.
            AtomicInteger starterNames = new AtomicInteger();
            ExecutorService starters = Executors.newFixedThreadPool(STARTERS, r -> new Thread(r, "bench-starter-" + starterNames.incrementAndGet()));
            long start = System.nanoTime();
            try {
                List<CompletableFuture<CanaryResult>> runs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String deployment = name(i);
                    runs.add(CompletableFuture.supplyAsync(() -> new CanaryDeploy(cluster.client(), store, ORIGIN, ProgressListener.SILENT,
                            Lifecycle.DEFAULT).start(new CanaryRequest("fleet", deployment, ContainerImage.parse("image", CANARY), null, 50,
                                    TrafficRouting.replicas, "INT", null, Duration.ofMinutes(5), false, null),
                            new RunId("bench://fleet/" + deployment)), starters).thenCompose(ActHandle::completion));
                }
                CompletableFuture<?> all = CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new));
                while (!all.isDone()) {
                    int now = threads.getThreadCount();
                    if (now > peakThreads.get()) {
                        peakThreads.set(now);
                        atPeak = threadsByKind();
                    }
                    Thread.sleep(20);
                }
                all.get();
            } finally {
                starters.shutdownNow();
                sampling.set(false);
                sampler.join();
            }
            Map<String, Long> added = new TreeMap<>();
            atPeak.forEach((kind, count) -> {
                long more = count - before.getOrDefault(kind, 0L);
                if (more > 0) {
                    added.put(kind, more);
                }
            });
            // The simulated API server sends each open watch's events on an executor of its own
            // (default thread names): those are the mock's, not the engine's.
            long mockWatchThreads = added.getOrDefault(MOCK_WATCH_THREADS, 0L);
            progress.line("[bench canary]   threads added at the peak, by kind: %s", added);
            double seconds = (System.nanoTime() - start) / 1e9;
            double peakMb = peak.get() / (1024.0 * 1024.0);
            long addedThreads = peakThreads.get() - threadsBefore - mockWatchThreads;
            progress.line("[bench canary]   %d canaries ready in %.1f s, peak heap %.0f MB, at most %d threads more than before "
                    + "(not counting the simulated API server's %d, one per open watch)", n, seconds, peakMb, addedThreads, mockWatchThreads);
            return List.of(
                    Figure.plain(n + " canaries at once (pods ready after 1 s): wall time", seconds, "s", null),
                    Figure.plain(n + " canaries at once: peak heap (whole JVM, incl. simulated cluster)", peakMb, "MB", null),
                    Figure.plain(n + " canaries waiting at once: threads added at the peak (" + STARTERS
                            + " starters included, the simulated API server's not)", addedThreads, "threads", (double) MAX_ADDED_THREADS));
        }
    }

    /** Live threads by name with the numbers in it replaced ({@code release-pilot-act-3} counts as {@code release-pilot-act-N}). */
    private static Map<String, Long> threadsByKind() {
        return Thread.getAllStackTraces().keySet().stream()
                .collect(Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "N"), TreeMap::new, Collectors.counting()));
    }

    private static String name(int i) {
        return String.format(java.util.Locale.ROOT, "svc-%02d", i);
    }

    private static AuditStore memoryStore() {
        return AuditStores.open(new AuditStores.Config("jdbc:h2:mem:bench" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }
}
