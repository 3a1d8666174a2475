package io.releasepilot.cli;

import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.sandbox.MutableClock;
import io.releasepilot.engine.dashboard.ApiRequest;
import io.releasepilot.engine.dashboard.ApiResponse;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.engine.release.Placement;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code release-pilot bench dashboard}: how the dashboard's endpoints grow from a 10,000-record
 * store to a 1,000,000-record one, how long a real Chromium takes to show a 200 × 5 matrix (against
 * the same matrix as a static page), and the server's peak heap.
 */
final class DashboardBenchmark {

    private static final Origin ORIGIN = new Origin("bench", "https://jenkins.example.com/job/bench/1/");
    private static final Lifecycle LIFECYCLE = new Lifecycle(List.of("DEV", "INT", "UAT", "STAGE", "PROD"));
    private static final int SERVICES = 200;
    /** Both stores hold the same 90 days of history, at different rates. */
    private static final Duration SPAN = Duration.ofDays(90);
    private static final int PAGE_LOADS = 5;

    private final Path workDir;
    private final int largeRecords;
    private final ProgressListener progress;

    DashboardBenchmark(Path workDir, int largeRecords, ProgressListener progress) {
        this.workDir = workDir;
        this.largeRecords = largeRecords;
        this.progress = progress;
    }

    BenchReport run() throws Exception {
        int small = Math.min(10_000, largeRecords);
        Path smallDir = workDir.resolve("dashboard-small");
        Path largeDir = workDir.resolve("dashboard-large");
        Instant end = Instant.now();
        fill(smallDir, small, end);
        fill(largeDir, largeRecords, end);

        List<Figure> figures = new ArrayList<>();
        Map<String, Double> smallTimes = endpointTimes(smallDir, small, figures);
        Map<String, Double> largeTimes;
        try (HeapPeak peak = HeapPeak.start()) {
            largeTimes = endpointTimes(largeDir, largeRecords, figures);
            figures.add(Figure.plain(String.format("peak heap in use while the dashboard reads and serves %,d records", largeRecords),
                    peak.peakMb(), "MB", null));
        }
        // The small store is measured again once the JIT has seen both, and its better run kept:
        // the first pass also pays for warming the JVM, which would flatter the large store.
        Map<String, Double> smallAgain = endpointTimes(smallDir, small, new ArrayList<>());
        for (String endpoint : smallTimes.keySet()) {
            double baseline = Math.min(smallTimes.get(endpoint), smallAgain.get(endpoint));
            figures.add(Figure.ratio(String.format("%s at %,d vs %,d records", endpoint, largeRecords, small),
                    largeTimes.get(endpoint), baseline, "ms", 2.0));
        }
        figures.addAll(pageLoad(largeDir));
        return new BenchReport("dashboard", figures);
    }

    /** Median time of each endpoint through the API handler, after warm-up; adds the cold-start figure. */
    private Map<String, Double> endpointTimes(Path dir, int records, List<Figure> figures) throws Exception {
        progress.line("[bench dashboard] endpoints over %,d records", records);
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()));
             Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withLifecycle(LIFECYCLE))) {
            long start = System.nanoTime();
            dashboard.warmUp();
            figures.add(Figure.plain(String.format("first read of the DORA window at %,d records", records),
                    (System.nanoTime() - start) / 1e6, "ms", null));
            dashboard.verificationCache().awaitIdle(Duration.ofMinutes(30));
            DashboardApi api = new DashboardApi(dashboard);
            Map<String, Supplier<ApiResponse>> endpoints = new java.util.LinkedHashMap<>();
            endpoints.put("GET api/v1/summary (200 × 5 matrix, DORA)", () -> api.handle(ApiRequest.get("api/v1/summary")));
            endpoints.put("GET api/v1/services/svc-7/history (page of 50)",
                    () -> api.handle(ApiRequest.get("api/v1/services/svc-7/history")));
            endpoints.put("GET api/v1/feed (newest 50)", () -> api.handle(ApiRequest.get("api/v1/feed")));
            long head = store.head().seq();
            endpoints.put("GET api/v1/feed?after= (next 50)",
                    () -> api.handle(ApiRequest.get("api/v1/feed").withQuery(Map.of("after", String.valueOf(head - 50)))));
            Map<String, Double> medians = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Supplier<ApiResponse>> e : endpoints.entrySet()) {
                medians.put(e.getKey(), median(e.getValue(), () -> { }));
            }
            // The worst case of a poll: a record arrived since the last one, so the matrix is re-read
            // and the DORA figures recomputed. The append itself is not timed.
            AtomicInteger appended = new AtomicInteger();
            medians.put("GET api/v1/summary right after an append (matrix re-read)",
                    median(() -> api.handle(ApiRequest.get("api/v1/summary")),
                            () -> store.append(AuditEvent.builder(AuditAction.NOTE, "svc-" + appended.incrementAndGet() % SERVICES)
                                    .environment("DEV").reason("bench poll").build(), ORIGIN)));
            figures.add(Figure.plain(String.format("heap in use after a full GC, dashboard open over %,d records", records),
                    liveHeapMb(), "MB", null));
            return medians;
        }
    }

    /** The median of 31 timed calls after 15 untimed ones; {@code before} runs untimed before each. */
    private static double median(Supplier<ApiResponse> call, Runnable before) {
        for (int warm = 0; warm < 15; warm++) {
            before.run();
            check(call.get());
        }
        double[] samples = new double[31];
        for (int i = 0; i < samples.length; i++) {
            before.run();
            long start = System.nanoTime();
            check(call.get());
            samples[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    private static void check(ApiResponse response) {
        if (response.status() != 200) {
            throw new IllegalStateException("the bench request failed: " + response.status() + " " + response.bodyText());
        }
    }

    /** The dashboard page vs the same matrix as a static page, both loaded in Chromium from loopback. */
    private List<Figure> pageLoad(Path dir) throws Exception {
        progress.line("[bench dashboard] page load in Chromium: %d × %d matrix", SERVICES, LIFECYCLE.environments().size());
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()));
             Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withLifecycle(LIFECYCLE))) {
            dashboard.warmUp();
            dashboard.verificationCache().awaitIdle(Duration.ofMinutes(30));
            byte[] staticPage = staticMatrix(dashboard.summary()).getBytes(StandardCharsets.UTF_8);
            byte[] staticScript = ("document.addEventListener('DOMContentLoaded', function () {"
                    + " document.documentElement.dataset.renderedMs = performance.now().toFixed(1); });")
                    .getBytes(StandardCharsets.UTF_8);
            HttpServer baseline = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            baseline.createContext("/", exchange -> {
                boolean script = exchange.getRequestURI().getPath().endsWith(".js");
                byte[] body = script ? staticScript : staticPage;
                exchange.getResponseHeaders().set("Content-Type", script ? "text/javascript" : "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            baseline.start();
            int expectedCells = SERVICES * LIFECYCLE.environments().size();
            String cellsReady = "document.querySelectorAll('#matrix-body td.cell').length === " + expectedCells;
            try (DashboardServer server = DashboardServer.start(new DashboardApi(dashboard),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null);
                 ChromiumPageTimer chromium = ChromiumPageTimer.start(workDir.resolve("chromium-profile"))) {
                String dashboardUrl = server.url().toString();
                String staticUrl = "http://127.0.0.1:" + baseline.getAddress().getPort() + "/matrix.html";
                double[] page = new double[PAGE_LOADS];
                double[] plain = new double[PAGE_LOADS];
                for (int i = -1; i < PAGE_LOADS; i++) {
                    double p = chromium.timeToRendered(dashboardUrl + "?load=" + i, cellsReady);
                    double s = chromium.timeToRendered(staticUrl + "?load=" + i, cellsReady);
                    if (i >= 0) {
                        page[i] = p;
                        plain[i] = s;
                    }
                }
                Arrays.sort(page);
                Arrays.sort(plain);
                return List.of(Figure.ratio(String.format("page load to a rendered %d × %d matrix (vs the same matrix as static HTML)",
                                SERVICES, LIFECYCLE.environments().size()), page[PAGE_LOADS / 2], plain[PAGE_LOADS / 2], "ms", null),
                        Figure.plain("page load to a rendered matrix, in Chromium", page[PAGE_LOADS / 2], "ms", 3000.0));
            } finally {
                baseline.stop(0);
            }
        }
    }

    /** The matrix as a server-rendered page, the same rows and cells the dashboard renders. */
    private static String staticMatrix(Dashboard.Summary summary) {
        Map<String, Placement> byCell = new HashMap<>();
        for (Placement p : summary.cells()) {
            byCell.put(p.service() + '\u0000' + p.environment(), p);
        }
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><script src=\"mark.js\"></script>"
                + "</head><body><table id=\"matrix\"><thead><tr><th>Service</th>");
        for (String env : summary.environments()) {
            html.append("<th>").append(escape(env)).append("</th>");
        }
        html.append("</tr></thead><tbody id=\"matrix-body\">");
        for (String service : summary.services()) {
            html.append("<tr><th>").append(escape(service)).append("</th>");
            for (String env : summary.environments()) {
                Placement p = byCell.get(service + '\u0000' + env);
                html.append("<td class=\"cell\">");
                if (p != null) {
                    html.append("<b>").append(escape(String.valueOf(p.release()))).append("</b><br>")
                            .append(escape(String.valueOf(p.image()))).append("<br>")
                            .append(escape(String.valueOf(p.since()))).append(" by ").append(escape(p.byActor()));
                }
                html.append("</td>");
            }
            html.append("</tr>");
        }
        return html.append("</tbody></table></body></html>").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Fills a store with {@code count} chained records spread evenly over the 90 days before {@code end}. */
    private void fill(Path dir, int count, Instant end) {
        progress.line("[bench dashboard] filling a store with %,d records", count);
        MutableClock clock = new MutableClock(end.minus(SPAN));
        int batch = Math.max(1, Math.min(5000, count / 100));
        long stepMs = SPAN.toMillis() / Math.max(1, (count + batch - 1) / batch);
        try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.toString()).withClock(clock))) {
            List<AuditEvent> events = new ArrayList<>(batch);
            for (int i = 0; i < count; i++) {
                events.add(event(i));
                if (events.size() == batch || i == count - 1) {
                    store.appendAll(events, ORIGIN);
                    events.clear();
                    clock.advance(Duration.ofMillis(stepMs));
                }
            }
        }
    }

    /** A delivery mix over 200 services and five environments, in which built images are later promoted. */
    private static AuditEvent event(int i) {
        int round = i / SERVICES;
        AuditAction action = switch (round % 10) {
            case 0, 1 -> AuditAction.CANARY_ADVANCED;
            case 2, 3, 4 -> AuditAction.PROMOTED;
            case 5 -> AuditAction.IMAGE_BUILT;
            case 6 -> AuditAction.ROLLED_BACK;
            case 7 -> AuditAction.SNAPSHOT_CREATED;
            case 8 -> AuditAction.CANARY_STARTED;
            default -> AuditAction.NOTE;
        };
        String service = "svc-" + (i % SERVICES);
        int release = i / 2000;
        // Every service passes through every act in every environment once per 50 rounds (10,000 records).
        String environment = LIFECYCLE.environments().get((round / 10) % LIFECYCLE.environments().size());
        return AuditEvent.builder(action, service)
                .environment(action == AuditAction.IMAGE_BUILT ? null : environment)
                .namespace("shop")
                .target("deployment/" + service)
                .release("1." + release + ".0")
                .image(image(service, release))
                .previousImage(image(service, release - 1))
                .reason(i % 7 == 0 ? "scheduled release" : null)
                .detail("weight", action.effect() == AuditAction.Effect.CANARY ? 10 + i % 90 : null)
                .build();
    }

    private static String image(String service, int release) {
        return "registry.example.com/shop/" + service + "@sha256:" + String.format("%064x", ((long) service.hashCode() << 20) ^ release);
    }

    private static double liveHeapMb() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /**
     * The highest heap in use seen while it runs, sampled every 5 ms (the sum of the pools' own
     * peaks would add up maxima reached at different times).
     */
    private static final class HeapPeak implements AutoCloseable {
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-heap-sampler");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong peak = new AtomicLong();

        static HeapPeak start() {
            System.gc();
            HeapPeak p = new HeapPeak();
            p.sampler.scheduleAtFixedRate(() -> p.peak.accumulateAndGet(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 5, TimeUnit.MILLISECONDS);
            return p;
        }

        double peakMb() {
            return peak.get() / (1024.0 * 1024.0);
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }
    }
}
