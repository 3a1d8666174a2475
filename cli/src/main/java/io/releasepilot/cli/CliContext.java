package io.releasepilot.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.releasepilot.engine.release.Lifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;
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
    static final String ENV_LIFECYCLE = "RELEASE_PILOT_LIFECYCLE";

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

    /** {@code --audit-store} as given on the command line, or null (environment and default not consulted). */
    String explicitStore() {
        return root.auditStore;
    }

    /** {@code --signing-key} as given on the command line, or null (environment and default not consulted). */
    Path explicitSigningKey() {
        return root.signingKey;
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
        Path key = given != null ? given : defaultPrivateKey();
        requireApartFromStore(key);
        if (given == null) {
            makeDefaultKey();
        }
        return new CheckpointSigner(CheckpointKeys.readPrivate("signing-key", key), CheckpointSigner.DEFAULT_INTERVAL);
    }

    /**
     * A signing key kept inside the store's directory is taken, copied or rewritten together with the
     * store it is meant to protect: refused.
     */
    private void requireApartFromStore(Path key) {
        Path storeDirectory = storeDirectory();
        Path file = key.toAbsolutePath().normalize();
        if (storeDirectory != null && file.startsWith(storeDirectory)) {
            throw new InvalidInputException("signing-key", key.toString(), "a key file outside the audit store's directory "
                    + storeDirectory + " (default: " + defaultPrivateKey() + "): a key kept with the store it protects protects nothing");
        }
    }

    /** The directory the embedded store's files are in, or null for a database server. */
    private Path storeDirectory() {
        String location = storeLocation();
        if (location.regionMatches(true, 0, "jdbc:sqlite:", 0, "jdbc:sqlite:".length())) {
            String file = location.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", "");
            return Path.of(file).toAbsolutePath().normalize().getParent();
        }
        if (location.regionMatches(true, 0, "jdbc:", 0, "jdbc:".length())) {
            return null;
        }
        return Path.of(location).toAbsolutePath().normalize();
    }

    /**
     * Makes the default key pair on first use, in its own directory (mode 0700, the private key 0600).
     * A key left by an earlier version beside the default store is moved there, so the checkpoints it
     * signed still verify with the same public key.
     */
    private void makeDefaultKey() {
        Path key = defaultPrivateKey();
        if (Files.exists(key)) {
            return;
        }
        try {
            createPrivateDirectory(keyDirectory());
            Path legacy = home().resolve("checkpoint-key.pem");
            if (Files.exists(legacy)) {
                Files.move(legacy, key);
                Path legacyPublic = home().resolve("checkpoint-key.pub.pem");
                if (Files.exists(legacyPublic)) {
                    Files.move(legacyPublic, defaultPublicKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                err().println("moved the checkpoint signing key from " + legacy + " to " + key + ", apart from the audit store it protects");
                return;
            }
            CheckpointKeys.write(CheckpointKeys.generate(), key, defaultPublicKey());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the checkpoint key " + key, e);
        }
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectory(dir);
        }
    }

    /** Where the default signing key lives: its own directory, not the store's. */
    static Path keyDirectory() {
        return Path.of(System.getProperty("user.home"), ".config", "release-pilot");
    }

    static Path defaultPrivateKey() {
        return keyDirectory().resolve("checkpoint-key.pem");
    }

    static Path defaultPublicKey() {
        return keyDirectory().resolve("checkpoint-key.pub.pem");
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

    /**
     * The lifecycle: {@code --lifecycle}, else env RELEASE_PILOT_LIFECYCLE, else the file
     * {@code ~/.config/release-pilot/lifecycle} (environments in promotion order, separated by
     * commas or lines; # starts a comment), else INT, UAT, PROD.
     */
    Lifecycle lifecycle() {
        if (root.lifecycle != null) {
            return parseLifecycle("lifecycle", root.lifecycle);
        }
        String env = System.getenv(ENV_LIFECYCLE);
        if (env != null && !env.isBlank()) {
            return parseLifecycle("env " + ENV_LIFECYCLE, env);
        }
        Path file = lifecycleFile();
        if (Files.exists(file)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new InvalidInputException("lifecycle", file.toString(), "a readable file listing the environments in promotion order");
            }
            String listed = lines.stream().map(l -> l.replaceFirst("#.*$", "").strip()).filter(l -> !l.isEmpty())
                    .collect(java.util.stream.Collectors.joining(","));
            return parseLifecycle("lifecycle file " + file, listed);
        }
        return Lifecycle.DEFAULT;
    }

    static Path lifecycleFile() {
        return keyDirectory().resolve("lifecycle");
    }

    private static Lifecycle parseLifecycle(String from, String text) {
        try {
            return Lifecycle.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(from, text, "environment names in promotion order, each once, separated by commas, e.g. INT,UAT,PROD");
        }
    }

    /** Checks a kubeconfig is given or can be found; part of validating input, before anything is contacted. */
    void validateKubeconfig() {
        KubeAccess.requireKubeconfig(root.kubeconfig);
    }

    /** A Kubernetes client from {@code --kubeconfig}, else the usual discovery, once the cluster answered. */
    KubernetesClient kubernetesClient() {
        return KubeAccess.connect(root.kubeconfig);
    }

    /** Opens the store with the signing key; every input must be validated before this. */
    AuditStore openStore() {
        return AuditStores.open(storeConfig(signer()));
    }

    /** Opens the store for one act, which ends sealed, its head printed with the act's progress lines. */
    ActAudit openAct(PrintWriter progress) {
        return new ActAudit(openStore(), progress, err());
    }
}
