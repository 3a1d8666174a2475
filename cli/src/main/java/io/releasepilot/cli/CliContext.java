package io.releasepilot.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.audit.CheckpointSigner;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.Origin;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Model.CommandSpec;

/** What every command shares: the global options, resolved with their defaults and environment variables. */
final class CliContext {

    static final String ENV_STORE = "RELEASE_PILOT_AUDIT_STORE";
    static final String ENV_STORE_USER = "RELEASE_PILOT_AUDIT_STORE_USER";
    static final String ENV_STORE_PASSWORD = "RELEASE_PILOT_AUDIT_STORE_PASSWORD";
    static final String ENV_SIGNING_KEY = "RELEASE_PILOT_SIGNING_KEY";

    /** How long Ctrl-C waits for a stopped act to record itself and release its lease. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final ReleasePilotCommand root;
    private final CommandSpec spec;

    CliContext(CommandSpec spec) {
        this.spec = spec;
        this.root = (ReleasePilotCommand) spec.root().userObject();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    boolean json() {
        return root.output == ReleasePilotCommand.OutputFormat.json;
    }

    static Path home() {
        return Path.of(System.getProperty("user.home"), ".release-pilot");
    }

    String storeLocation() {
        if (root.auditStore != null) {
            return root.auditStore;
        }
        String env = System.getenv(ENV_STORE);
        return env != null && !env.isBlank() ? env : home().toString();
    }

    Origin origin() {
        String actor = root.actor != null && !root.actor.isBlank() ? root.actor : System.getProperty("user.name", "unknown");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return new Origin(actor, "cli://" + host);
    }

    /** This process's run id, {@code cli://HOST/PID@START}: the lease names it, and no other process has it. */
    RunId runId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        ProcessHandle self = ProcessHandle.current();
        String started = self.info().startInstant().map(Instant::toString).orElse("unknown");
        return new RunId("cli://" + host + "/" + self.pid() + "@" + started);
    }

    /**
     * Waits for an act the command started. Ctrl-C (the JVM shutting down) stops it, and waits a
     * little for the stop to be recorded and the lease released, before the process ends.
     */
    <R> R await(ActHandle<R> handle) {
        Thread onCtrlC = new Thread(() -> {
            handle.stop("Ctrl-C");
            try {
                handle.completion().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | CancellationException expected) {
                // Stopped (or not done in time): the process ends either way.
            }
        }, "release-pilot-stop");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        try {
            return handle.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActCancelledException("interrupted: " + handle.status());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C came: the hook is running and finishes the stop.
            }
        }
    }

    /** The key that signs checkpoints: the one given, or the default one, made on first use. */
    CheckpointSigner signer() {
        Path given = root.signingKey;
        if (given == null && System.getenv(ENV_SIGNING_KEY) != null) {
            given = Path.of(System.getenv(ENV_SIGNING_KEY));
        }
        if (given != null) {
            return new CheckpointSigner(CheckpointKeys.readPrivate("signing-key", given), CheckpointSigner.DEFAULT_INTERVAL);
        }
        Path key = defaultPrivateKey();
        if (!Files.exists(key)) {
            try {
                CheckpointKeys.write(CheckpointKeys.generate(), key, defaultPublicKey());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the checkpoint key " + key, e);
            }
        }
        PrivateKey privateKey = CheckpointKeys.readPrivate("signing-key", key);
        return new CheckpointSigner(privateKey, CheckpointSigner.DEFAULT_INTERVAL);
    }

    static Path defaultPrivateKey() {
        return home().resolve("checkpoint-key.pem");
    }

    static Path defaultPublicKey() {
        return home().resolve("checkpoint-key.pub.pem");
    }

    AuditStores.Config storeConfig(CheckpointSigner signer) {
        AuditStores.Config config = new AuditStores.Config(storeLocation()).withSigner(signer);
        String user = System.getenv(ENV_STORE_USER);
        String password = System.getenv(ENV_STORE_PASSWORD);
        if (user != null || password != null) {
            config = config.withCredentials(user, password == null ? null : password.toCharArray());
        }
        return config;
    }

    /** The {@code --kubeconfig} given, or null (then env KUBECONFIG, else ~/.kube/config). */
    Path kubeconfig() {
        return root.kubeconfig;
    }

    /** Checks {@code --kubeconfig} names a readable file; part of validating input, before anything is contacted. */
    void validateKubeconfig() {
        Path file = root.kubeconfig;
        if (file != null && (!Files.isRegularFile(file) || !Files.isReadable(file))) {
            throw new InvalidInputException("kubeconfig", file.toString(), "a readable kubeconfig file");
        }
    }

    /** A Kubernetes client from {@code --kubeconfig}, else the usual discovery (KUBECONFIG, ~/.kube/config, in-cluster). */
    KubernetesClient kubernetesClient() {
        validateKubeconfig();
        try {
            Config config = root.kubeconfig != null ? Config.fromKubeconfig(root.kubeconfig.toFile()) : Config.autoConfigure(null);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new EnvironmentException("cannot use the kubeconfig " + (root.kubeconfig != null ? root.kubeconfig : "(default)")
                    + ": " + e.getMessage(), e);
        }
    }

    /** Opens the store with the signing key; every input must be validated before this. */
    AuditStore openStore() {
        return AuditStores.open(storeConfig(signer()));
    }
}
