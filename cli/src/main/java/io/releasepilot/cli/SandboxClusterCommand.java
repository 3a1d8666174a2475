package io.releasepilot.cli;

import io.releasepilot.cli.sandbox.DemoApp;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Serve only the SIMULATED Kubernetes API (fabric8's CRUD mock server and a simulated Deployment controller) "
                + "on 127.0.0.1 and write a kubeconfig for it (--kubeconfig FILE, required), until Ctrl-C or SIGTERM. "
                + "kubectl and the deploy commands work against it. When it is up it prints a line with 'ready at URL' "
                + "and writes the URL to --ready-file. See docs/sandbox.md."})
final class SandboxClusterCommand implements Callable<Integer> {

    /** The namespace a kubeconfig context names, as on a fresh cluster. */
    static final String CONTEXT_NAMESPACE = "default";
    private static final Duration DEMO_APP_READY = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "TCP port on 127.0.0.1 (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--ready-file", paramLabel = "FILE",
            description = "Written with the API's URL once it serves (and the demo app is ready), removed when it stops: for scripts to wait on.")
    Path readyFile;

    @Option(names = "--with-demo-app",
            description = "Create the demo app first: Deployments and Services api, worker and web in namespaces int, uat and prod, ready.")
    boolean withDemoApp;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = new CliContext(spec);
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("port", String.valueOf(port), "a TCP port from 1 to 65535 (0: any free port)");
        }
        Path kubeconfig = ctx.kubeconfig();
        if (kubeconfig == null || Files.isDirectory(kubeconfig)) {
            throw new InvalidInputException("kubeconfig", kubeconfig == null ? null : kubeconfig.toString(),
                    "the file to write the simulated cluster's kubeconfig to (not a directory)");
        }
        if (readyFile != null && Files.isDirectory(readyFile)) {
            throw new InvalidInputException("ready-file", readyFile.toString(), "a file to write the API's URL to (not a directory)");
        }
        if (readyFile != null) {
            Files.deleteIfExists(readyFile);
        }
        // The signal is closed last: once it is, a SIGTERM'd JVM halts, so everything else (the API,
        // the ready file, the last line) must be done by then.
        try (StopSignal stop = new StopSignal("release-pilot-sandbox-cluster-stop")) {
            try (SimulatedCluster cluster = start()) {
                if (withDemoApp) {
                    DemoApp.create(cluster, DEMO_APP_READY);
                }
                cluster.writeKubeconfig(kubeconfig, CONTEXT_NAMESPACE);
                String url = "http://127.0.0.1:" + cluster.port();
                if (readyFile != null) {
                    writeAtomically(readyFile, url + "\n");
                }
                if (withDemoApp) {
                    ctx.out().printf("[sandbox cluster] demo app: Deployments and Services %s in namespaces %s%n",
                            String.join(", ", DemoApp.SERVICES.stream().map(DemoApp.Service::name).toList()), String.join(", ", DemoApp.NAMESPACES));
                }
                ctx.out().printf("[sandbox cluster] SIMULATED Kubernetes API ready at %s, kubeconfig %s%n", url, kubeconfig);
                ctx.out().println("[sandbox cluster] press Ctrl-C to stop");
                ctx.out().flush();
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (readyFile != null) {
                    Files.deleteIfExists(readyFile);
                }
            }
            ctx.out().println("[sandbox cluster] stopped");
            ctx.out().flush();
        }
        return 0;
    }

    private SimulatedCluster start() {
        try {
            return new SimulatedCluster(port, CONTEXT_NAMESPACE);
        } catch (IllegalStateException e) {
            throw new EnvironmentException("cannot serve the simulated Kubernetes API on 127.0.0.1:" + port + " (is the port taken?)", e);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path temporary = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
