package io.releasepilot.cli.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.AlertWatch;
import io.releasepilot.engine.alert.OnError;
import io.releasepilot.engine.alert.WatchOptions;
import io.releasepilot.engine.alert.WatchReport;
import io.releasepilot.engine.alert.WatchRequest;
import io.releasepilot.engine.alert.WatchSubject;
import io.releasepilot.engine.audit.AuditHead;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.image.BuildImage;
import io.releasepilot.engine.image.BuildRequest;
import io.releasepilot.engine.image.BuildahBuilder;
import io.releasepilot.engine.image.BuilderChoice;
import io.releasepilot.engine.image.BuiltImage;
import io.releasepilot.engine.image.EcrTokens;
import io.releasepilot.engine.image.RegistryClient;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryResult;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.KubeRollbackTarget;
import io.releasepilot.engine.kube.PromoteRequest;
import io.releasepilot.engine.kube.PromoteResult;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.engine.snapshot.DatabasePassword;
import io.releasepilot.engine.snapshot.PostgresSnapshotRequest;
import io.releasepilot.engine.snapshot.PostgresSnapshotter;
import io.releasepilot.engine.snapshot.SnapshotLabels;
import io.releasepilot.engine.snapshot.SnapshotResult;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every engine call the sandbox's scripted release makes, in one place, through the engine's
 * public API exactly as the CLI commands make them; the script itself ({@link DemoRelease})
 * only says what happens in which order. Each act writes its console lines and its audit
 * records as it would in a build.
 */
final class DemoEngine {

    /** How long a canary or a promote may take here; the simulated pods are ready in 100 ms. */
    private static final Duration ACT_TIMEOUT = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final AuditStore store;
    private final Origin origin;
    private final ProgressListener console;
    private final List<AuditHead> heads = new ArrayList<>();
    private final String runPrefix;
    private int runs;

    DemoEngine(KubernetesClient client, AuditStore store, Origin origin, ProgressListener console) {
        this.client = client;
        this.store = store;
        this.origin = origin;
        this.console = console;
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        this.runPrefix = "sandbox://" + host + "/" + ProcessHandle.current().pid();
    }

    /** deployCanary: {@code image} beside {@code namespace/service} at {@code weight}%; a hotfix when {@code hotfixReason} is given. */
    CanaryResult canary(String namespace, String service, String image, int weight, String environment, String hotfixReason)
            throws InterruptedException {
        CanaryRequest request = new CanaryRequest(namespace, service, ContainerImage.parse("image", image), null, weight, TrafficRouting.replicas,
                environment, service, ACT_TIMEOUT, hotfixReason != null, hotfixReason);
        return sealed(() -> new CanaryDeploy(client, store, origin, console, Lifecycle.DEFAULT).start(request, nextRun("deployCanary")).await());
    }

    /** promote: the running canary of {@code namespace/service} becomes the stable release of {@code environment}. */
    PromoteResult promote(String namespace, String service, String environment, String hotfixReason) throws InterruptedException {
        PromoteRequest request = new PromoteRequest(namespace, service, environment, hotfixReason != null, hotfixReason, ACT_TIMEOUT, service);
        return sealed(() -> new CanaryPromote(client, store, origin, console, Lifecycle.DEFAULT).start(request, nextRun("promote")).await());
    }

    /** One act of a build. */
    @FunctionalInterface
    private interface Act<T> {
        T run() throws InterruptedException;
    }

    /**
     * Runs an act and seals it, failed or not, as the CLI and the plugin end every act: a
     * checkpoint signed over the newest record, its head printed so the console keeps a witness
     * outside the store.
     */
    private <T> T sealed(Act<T> act) throws InterruptedException {
        try {
            return act.run();
        } finally {
            AuditHead head = store.seal();
            heads.add(head);
            console.line("audit head: %s", head.text());
        }
    }

    /** A run id of its own for each act, as a build step has: {@code sandbox://HOST/PID/N-ACT}. */
    private RunId nextRun(String act) {
        return new RunId(runPrefix + "/" + (++runs) + "-" + act);
    }

    /** The heads the acts printed, oldest first: what a build log would keep. */
    List<AuditHead> heads() {
        return List.copyOf(heads);
    }

    /**
     * rollbackOnAlert: watches {@code source} every {@code interval} for {@code window}; a firing
     * alert takes the canary's traffic away at once and rolls it back (then this throws
     * {@link io.releasepilot.engine.DeploymentFailedException}).
     */
    WatchReport watchAlerts(AlertSource source, Duration window, Duration interval, String namespace, String service, String environment)
            throws InterruptedException {
        RunId run = nextRun("rollbackOnAlert");
        KubeRollbackTarget target = new KubeRollbackTarget(new CanaryRollback(client, store, origin, console), namespace, service, run);
        WatchOptions options = new WatchOptions(window, interval, 1, OnError.FAIL, WatchOptions.DEFAULT_ERROR_LIMIT);
        WatchRequest request = new WatchRequest(source, options, new WatchSubject(service, environment, namespace, service), target);
        return sealed(() -> new AlertWatch(store, origin, console).start(request, run).await());
    }

    /** buildImage with buildah (storage under the sandbox's directory), pushed to {@code tag}'s registry; the verified digest. */
    BuiltImage build(Path context, String tag, String service, BuildahBuilder.Storage storage, String revision) throws InterruptedException {
        BuildImage buildImage = new BuildImage(new LocalProcessLauncher(), List.of(new BuildahBuilder("buildah", storage)),
                new RegistryClient(Duration.ofSeconds(30)), EcrTokens.standard(), Clock.systemUTC());
        BuildRequest request = new BuildRequest(context.toString(), null, BuildRequest.tags(List.of(tag), true), Map.of(), null, Map.of(),
                BuilderChoice.BUILDAH, true, null, revision, null, service, ACT_TIMEOUT);
        return sealed(() -> buildImage.run(request, store, origin, console));
    }

    /** dbSnapshot: a verified pg_dump archive of {@code database} into {@code outputDir}. */
    SnapshotResult snapshot(Path postgresBin, int port, String database, String user, String password, Path outputDir,
                            String service, String environment, String release) throws InterruptedException {
        PostgresSnapshotRequest request = new PostgresSnapshotRequest("127.0.0.1", port, database, user, DatabasePassword.of(password),
                outputDir.toString(), null, new SnapshotLabels(service, environment, release, null), null, ACT_TIMEOUT, false);
        PostgresSnapshotter snapshotter = new PostgresSnapshotter(new LocalProcessLauncher(), console).withBinDirectory(postgresBin.toString());
        return sealed(() -> snapshotter.snapshot(request, nextRun("dbSnapshot"), store, origin));
    }
}
