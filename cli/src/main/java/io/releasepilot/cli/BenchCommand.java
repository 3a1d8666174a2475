package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.bench.alert.AlertBenchmark;
import io.releasepilot.bench.audit.AuditBenchmark;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.bench.snapshot.SnapshotBenchmark;
import io.releasepilot.bench.image.ImageBenchmark;
import io.releasepilot.bench.kube.CanaryBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure Release Pilot against a baseline in the same run and print the ratios.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "audit", description = "Which benchmark: ${COMPLETION-CANDIDATES}.")
    Bench bench;

    @Option(names = "--records", defaultValue = "1000000",
            description = "audit: how many records the large store holds. Default: ${DEFAULT-VALUE}.")
    int records;

    @Option(names = "--snapshot-rows", defaultValue = "500000",
            description = "snapshot: rows in each of the two tables the scratch database holds. Default: ${DEFAULT-VALUE}.")
    int snapshotRows;
    @Option(names = "--rounds", defaultValue = "20",
            description = "image: how many measured rounds of each kind (the median is compared). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where scratch stores go. Default: a temporary directory, removed afterwards.")
    Path workDir;

    enum Bench { audit, snapshot, image, alert, dashboard, canary }

    @Override
    public Integer call() throws Exception {
        CliContext ctx = new CliContext(spec);
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("release-pilot-bench");
        BenchReport report;
        try {
            report = switch (bench) {
                case audit -> new AuditBenchmark(dir, records, line -> ctx.err().println(line)).run();
                case snapshot -> new SnapshotBenchmark(dir, snapshotRows, line -> ctx.err().println(line)).run();
                case image -> new ImageBenchmark(dir, rounds, line -> ctx.err().println(line)).run();
                case alert -> new AlertBenchmark(dir, AlertBenchmark.DEFAULT_TRIALS, line -> ctx.err().println(line)).run();
                case dashboard -> new DashboardBenchmark(dir, records, line -> ctx.err().println(line)).run();
                case canary -> new CanaryBenchmark(line -> ctx.err().println(line), java.time.Duration.ofSeconds(30), 50).run();
            };
        } finally {
            if (workDir == null && Files.exists(dir)) {
                deleteTree(dir);
            }
        }
        print(ctx, report);
        return 0;
    }

    private static void print(CliContext ctx, BenchReport report) {
        if (ctx.json()) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.put("bench", report.bench());
            ArrayNode figures = root.putArray("figures");
            for (Figure f : report.figures()) {
                ObjectNode o = figures.addObject();
                o.put("name", f.name());
                o.put("value", f.value());
                o.put("unit", f.unit());
                putNullable(o, "baseline", f.baseline());
                putNullable(o, "ratio", f.ratio());
                putNullable(o, "target", f.target());
                if (f.met() == null) {
                    o.putNull("met");
                } else {
                    o.put("met", f.met());
                }
            }
            ctx.out().println(root);
            return;
        }
        ctx.out().printf("bench %s%n", report.bench());
        for (Figure f : report.figures()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-58s %12.3f %-8s", f.name(), f.value(), f.unit()));
            if (f.baseline() != null) {
                line.append(String.format(Locale.ROOT, " baseline %12.3f  ratio %6.2f×", f.baseline(), f.ratio()));
            }
            if (f.target() != null) {
                line.append(String.format(Locale.ROOT, "  target ≤ %.2f%s  %s", f.target(), f.baseline() != null ? "×" : "",
                        f.met() ? "met" : "NOT MET"));
            }
            ctx.out().println(line);
        }
    }

    private static void putNullable(ObjectNode o, String name, Double value) {
        if (value == null) {
            o.putNull(name);
        } else {
            o.put(name, value);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
