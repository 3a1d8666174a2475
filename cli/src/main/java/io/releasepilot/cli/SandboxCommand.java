package io.releasepilot.cli;

import io.releasepilot.cli.sandbox.DemoApp;
import io.releasepilot.cli.sandbox.DemoRelease;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.audit.CheckpointSigner;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Play a scripted release of a three-service demo app (api, worker, nginx front web) through INT, UAT and PROD "
                + "in this one process, on a SIMULATED Kubernetes cluster, with a fresh embedded audit store and the dashboard served: "
                + "images built with buildah into a local registry, a PostgreSQL snapshot, canaries at 10%% and 50%%, an alert that "
                + "rolls one back, the fix, promotes, a gate denial and a hotfix. Real servers are used where installed; each act "
                + "says what it skipped. Then it serves the dashboard until Ctrl-C (--no-serve: exits). --kubeconfig names where the "
                + "simulated cluster's kubeconfig is written; --audit-store and --signing-key are refused (it makes its own). "
                + "See docs/sandbox.md."},
        subcommands = SandboxClusterCommand.class)
final class SandboxCommand implements Callable<Integer> {

    private static final Duration DEMO_APP_READY = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--no-serve", description = "Play the release and exit (0 when every act went as scripted and the audit trail verifies).")
    boolean noServe;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + ServeCommand.DEFAULT_PORT,
            description = "The dashboard's TCP port on 127.0.0.1 (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the audit store (DIR/audit), its checkpoint key, the kubeconfig (unless --kubeconfig names where), "
                    + "images and dumps go: a new or empty directory. Default: a fresh temporary directory, kept afterwards.")
    Path workDir;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = new CliContext(spec);
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("port", String.valueOf(port), "a TCP port from 1 to 65535 (0: any free port)");
        }
        if (ctx.explicitStore() != null) {
            throw new InvalidInputException("audit-store", ctx.explicitStore(),
                    "no --audit-store: the sandbox writes a fresh embedded store under --work-dir, never into an existing one");
        }
        if (ctx.explicitSigningKey() != null) {
            throw new InvalidInputException("signing-key", ctx.explicitSigningKey().toString(),
                    "no --signing-key: the sandbox signs its fresh store with a key it makes under --work-dir");
        }
        Path dir = workDirectory();
        Path keyFile = dir.resolve("checkpoint-key.pem");
        KeyPair key = CheckpointKeys.generate();
        CheckpointKeys.write(key, keyFile, dir.resolve("checkpoint-key.pub.pem"));
        ProgressListener console = line -> {
            ctx.out().println(line);
            ctx.out().flush();
        };
        // The signal is closed last: once it is, a JVM stopped by Ctrl-C halts. Until then its hook
        // waits while the acts stop (it interrupts this thread) and the servers below are closed.
        try (StopSignal stop = new StopSignal("release-pilot-sandbox-stop", Thread.currentThread())) {
            try (AuditStore store = AuditStores.open(new AuditStores.Config(dir.resolve("audit").toString())
                         .withSigner(new CheckpointSigner(key.getPrivate(), CheckpointSigner.DEFAULT_INTERVAL)));
                 Dashboard dashboard = noServe ? null : new Dashboard(store, Dashboard.Config.defaults().withPublicKey(key.getPublic()));
                 DashboardServer server = dashboard == null ? null
                         : DashboardServer.start(new DashboardApi(dashboard), new InetSocketAddress(InetAddress.getLoopbackAddress(), port), null);
                 SimulatedCluster cluster = new SimulatedCluster(0, SandboxClusterCommand.CONTEXT_NAMESPACE)) {
                DemoApp.create(cluster, DEMO_APP_READY);
                Path kubeconfig = ctx.kubeconfig() != null ? ctx.kubeconfig() : dir.resolve("kubeconfig");
                cluster.writeKubeconfig(kubeconfig, SandboxClusterCommand.CONTEXT_NAMESPACE);
                console.line("[sandbox] a SIMULATED Kubernetes cluster at http://127.0.0.1:%d (fabric8's CRUD mock server and a simulated "
                        + "Deployment controller; no pod runs anything): api, worker and web in namespaces int, uat and prod", cluster.port());
                console.line("[sandbox] audit trail: a fresh embedded store %s, checkpoints signed with %s", store.location(), keyFile);
                if (server != null) {
                    console.line("[sandbox] the dashboard follows along at %s", server.url());
                }
                Verification verification = new DemoRelease(dir, cluster, store, key.getPublic(), ctx.origin(), console).play();
                if (!verification.ok()) {
                    throw new EnvironmentException("the sandbox's audit trail did not verify: " + verification.problem().message());
                }
                console.line("");
                console.line("[sandbox] done. Look around:");
                console.line("[sandbox]   release-pilot --audit-store %s audit list", dir.resolve("audit"));
                if (server == null) {
                    console.line("[sandbox]   release-pilot --audit-store %s serve", dir.resolve("audit"));
                    return 0;
                }
                console.line("[sandbox]   kubectl --kubeconfig %s get deployments -A   (while this runs)", kubeconfig);
                console.line("[sandbox] dashboard at %s (%d records); press Ctrl-C to stop", server.url(), store.head().seq());
                stop.await();
            } catch (InterruptedException e) {
                // Ctrl-C or SIGTERM: the servers and stores above are closed on the way out.
                Thread.currentThread().interrupt();
            }
            ctx.out().println("[sandbox] stopped");
            ctx.out().flush();
        }
        return 0;
    }

    /** The directory given (new or empty), else a fresh temporary one. */
    private Path workDirectory() throws IOException {
        if (workDir == null) {
            return Files.createTempDirectory("release-pilot-sandbox-");
        }
        if (Files.exists(workDir)) {
            boolean empty;
            try (Stream<Path> entries = Files.isDirectory(workDir) ? Files.list(workDir) : null) {
                empty = entries != null && entries.findAny().isEmpty();
            }
            if (!empty) {
                throw new InvalidInputException("work-dir", workDir.toString(), "a new or empty directory (the sandbox starts from nothing)");
            }
        }
        return Files.createDirectories(workDir).toAbsolutePath();
    }
}
