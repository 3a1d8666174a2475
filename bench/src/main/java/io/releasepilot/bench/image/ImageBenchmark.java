package io.releasepilot.bench.image;

import io.releasepilot.engine.image.BuildImage;
import io.releasepilot.engine.image.BuildRequest;
import io.releasepilot.engine.image.BuildahBuilder;
import io.releasepilot.engine.image.BuilderChoice;
import io.releasepilot.engine.image.EcrTokens;
import io.releasepilot.engine.image.RegistryClient;
import io.releasepilot.engine.image.RegistryCredentials;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.bench.BenchReport;
import io.releasepilot.bench.Figure;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code release-pilot bench image}: buildImage (probe, credential check, build, push, registry
 * confirmation, audit record) against the raw {@code buildah bud} + {@code buildah push} of the
 * same context into the same registry, alternating, in one run. Both sides use one private buildah
 * store (vfs) and a local {@code docker-registry} with htpasswd authentication.
 */
public final class ImageBenchmark {

    private static final String BUILDAH = "buildah";
    private static final String REGISTRY = "/usr/bin/docker-registry";
    private static final String HTPASSWD = "/usr/bin/htpasswd";
    private static final String BUSYBOX = "/bin/busybox";
    private static final String DOCKERFILE = String.join("\n",
            "FROM scratch AS base",
            "COPY busybox /bin/busybox",
            "ARG GREETING=hello",
            "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo $GREETING > /greeting\"]",
            "FROM base",
            "LABEL stage=final",
            "");

    private final Path workDir;
    private final int rounds;
    private final ProgressListener progress;

    public ImageBenchmark(Path workDir, int rounds, ProgressListener progress) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        this.workDir = workDir;
        this.rounds = rounds;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        for (String[] need : new String[][] {{REGISTRY, "docker-registry"}, {HTPASSWD, "apache2-utils"}, {BUSYBOX, "busybox-static"}}) {
            if (!Files.isExecutable(Path.of(need[0]))) {
                throw new IllegalStateException(need[0] + " is missing: install the Debian package '" + need[1] + "'");
            }
        }
        LocalProcessLauncher launcher = new LocalProcessLauncher();
        if (!launcher.isExecutable(BUILDAH)) {
            throw new IllegalStateException("buildah is missing: install the Debian packages 'buildah' and 'runc'");
        }
        Path context = Files.createDirectories(workDir.resolve("context"));
        Files.copy(Path.of(BUSYBOX), context.resolve("busybox"));
        Files.writeString(context.resolve("Dockerfile"), DOCKERFILE);
        BuildahBuilder.Storage storage = new BuildahBuilder.Storage(workDir.resolve("buildah-root").toString(),
                workDir.resolve("buildah-runroot").toString(), "vfs");
        String password = UUID.randomUUID().toString();
        try (LocalRegistry registry = LocalRegistry.start(workDir.resolve("registry"), "bench", password);
             AuditStore audit = AuditStores.open(new AuditStores.Config(workDir.resolve("audit").toString()))) {
            BuildImage buildImage = new BuildImage(launcher, List.of(new BuildahBuilder(BUILDAH, storage)),
                    new RegistryClient(Duration.ofSeconds(30)), EcrTokens.standard(), Clock.systemUTC());
            RegistryCredentials credentials = new RegistryCredentials("bench", password.toCharArray(), "the bench");
            Path authFile = workDir.resolve("raw-auth.json");
            Files.writeString(authFile, "{\"auths\":{\"" + registry.address() + "\":{\"auth\":\""
                    + Base64.getEncoder().encodeToString(("bench:" + password).getBytes(StandardCharsets.UTF_8)) + "\"}}}");
            progress.line("[bench image] warm-up: one build of each kind (not measured)");
            timeBuildImage(buildImage, audit, credentials, context, registry.address() + "/bench/rp:warm");
            timeRaw(launcher, storage, authFile, context, registry.address() + "/bench/raw:warm");
            double[] ours = new double[rounds];
            double[] raw = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                // Alternate which side goes first, so a drift in the machine's load favours neither.
                boolean oursFirst = i % 2 == 0;
                progress.line("[bench image] round %d/%d: %s", i + 1, rounds,
                        oursFirst ? "buildImage, then buildah bud + push" : "buildah bud + push, then buildImage");
                if (!oursFirst) {
                    raw[i] = timeRaw(launcher, storage, authFile, context, registry.address() + "/bench/raw:" + i);
                }
                ours[i] = timeBuildImage(buildImage, audit, credentials, context, registry.address() + "/bench/rp:" + i);
                if (oursFirst) {
                    raw[i] = timeRaw(launcher, storage, authFile, context, registry.address() + "/bench/raw:" + i);
                }
            }
            double[] paired = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                paired[i] = ours[i] / raw[i];
            }
            return new BenchReport("image", List.of(
                    Figure.ratio("buildImage (median of " + rounds + ") vs buildah bud + push", median(ours), median(raw), "s", 1.10),
                    Figure.plain("median of the per-round ratios (drift cancels)", median(paired), "×", 1.10),
                    Figure.plain("buildImage fastest round", Arrays.stream(ours).min().orElseThrow(), "s", null),
                    Figure.plain("buildah bud + push fastest round", Arrays.stream(raw).min().orElseThrow(), "s", null)));
        }
    }

    private static double timeBuildImage(BuildImage buildImage, AuditStore audit, RegistryCredentials credentials, Path context, String tag)
            throws InterruptedException {
        BuildRequest request = new BuildRequest(context.toString(), null, BuildRequest.tags(List.of(tag), true), Map.of(), null, Map.of(),
                BuilderChoice.BUILDAH, true, credentials, "bench", null, "bench", null);
        long start = System.nanoTime();
        buildImage.run(request, audit, new Origin("bench", "cli://bench"), ProgressListener.SILENT);
        return (System.nanoTime() - start) / 1e9;
    }

    private static double timeRaw(LocalProcessLauncher launcher, BuildahBuilder.Storage storage, Path authFile, Path context, String tag)
            throws IOException, InterruptedException {
        List<String> global = List.of(BUILDAH, "--root", storage.root(), "--runroot", storage.runRoot(), "--storage-driver", storage.driver());
        List<String> bud = new ArrayList<>(global);
        bud.addAll(List.of("bud", "--isolation", "chroot", "--file", context.resolve("Dockerfile").toString(), "--tag", tag, context.toString()));
        List<String> push = new ArrayList<>(global);
        push.addAll(List.of("push", "--authfile", authFile.toString(), "--tls-verify=false",
                "--digestfile", context.getParent().resolve("raw-digest").toString(), tag, "docker://" + tag));
        long start = System.nanoTime();
        for (List<String> command : List.of(bud, push)) {
            ProcessResult result = launcher.run(new ProcessRequest(command, null, Map.of(), Duration.ofMinutes(10), ProgressListener.SILENT, Set.of()));
            if (!result.succeeded()) {
                throw new IllegalStateException(String.join(" ", command.subList(0, 8)) + " failed:\n" + result.tailText());
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** docker-registry with one htpasswd user on a free loopback port, for the bench's own use. */
    private record LocalRegistry(Process process, int port) implements AutoCloseable {

        static LocalRegistry start(Path dir, String user, String password) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Process hash = new ProcessBuilder(HTPASSWD, "-iBn", user).start();
            try (OutputStream in = hash.getOutputStream()) {
                in.write((password + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String line = new String(hash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!hash.waitFor(30, TimeUnit.SECONDS) || hash.exitValue() != 0) {
                throw new IllegalStateException("htpasswd failed");
            }
            Files.writeString(dir.resolve("htpasswd"), line + "\n");
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("config.yml"), String.join("\n", "version: 0.1", "log:", "  level: warn", "storage:",
                    "  filesystem:", "    rootdirectory: " + dir.resolve("data"), "http:", "  addr: 127.0.0.1:" + port, "auth:",
                    "  htpasswd:", "    realm: bench", "    path: " + dir.resolve("htpasswd"), ""));
            Process process = new ProcessBuilder(REGISTRY, "serve", dir.resolve("config.yml").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
            LocalRegistry registry = new LocalRegistry(process, port);
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    http.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding());
                    return registry;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            registry.close();
            throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
