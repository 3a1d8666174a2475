package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.release.Lifecycle;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Undoes a canary or a promote. With a canary: its traffic goes to 0 first, the stable Deployment
 * gets its replicas back, then the canary is removed. After a promote: the stable Deployment is
 * restored to the release before it. {@code toRelease} restores any release promoted earlier in
 * the environment. Every step is recorded on the Deployment (step {@code rolling-back}), so a
 * re-run after a crash finishes the same rollback; the ROLLED_BACK record is written once.
 */
public final class CanaryRollback {

    /** How long a rollback waits for the restored stable Deployment to be fully available. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    private static final String ACT = "rollback";

    private final CanaryRun run;

    public CanaryRollback(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress) {
        this(new CanaryRun(client, store, origin, progress, Lifecycle.DEFAULT, null));
    }

    CanaryRollback(CanaryRun run) {
        this.run = run;
    }

    /** A rollback that resumes as run {@code runId} and reads environments from {@code lifecycle}. */
    public static CanaryRollback resuming(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress,
                                          Lifecycle lifecycle, String runId) {
        return new CanaryRollback(new CanaryRun(client, store, origin, progress, lifecycle, runId));
    }

    /**
     * The emergency brake: the canary's traffic goes to 0 at once (replicas: the canary is scaled
     * to 0 and the stable Deployment gets its replicas back), without waiting and without taking
     * the lock, so it works even while another run is busy with the Deployment. Nothing to do
     * when no canary runs.
     */
    public void zeroCanaryTraffic(String namespace, String deployment) {
        DeploymentTarget target = new DeploymentTarget(run.client, Names.dnsLabel("namespace", namespace),
                Names.dnsSubdomain("deployment", deployment));
        CanaryState state = CanaryState.of(target.requireStable());
        if (!state.canaryActive()) {
            return;
        }
        TrafficRouter.forState(state, target).remove();
        boolean existed = target.scaleCanary(0);
        if (state.stableReplicas() != null) {
            target.restoreStableReplicas(state.stableReplicas());
        }
        run.progress.line("[%s] %s: canary traffic at 0%%%s", ACT, target.label(), existed ? " (canary scaled to 0)" : " (no canary pods)");
    }

    /** The full rollback of whatever the Deployment last did (canary or promote), audited ROLLED_BACK. */
    public RollbackResult rollback(String namespace, String deployment, String reason) {
        return rollback(new RollbackRequest(namespace, deployment, null, reason, DEFAULT_TIMEOUT));
    }

    public RollbackResult rollback(RollbackRequest request) {
        DeploymentTarget target = new DeploymentTarget(run.client, request.namespace(), request.deployment());
        Deployment stable = target.requireStable();
        CanaryState state = CanaryState.of(stable);
        String container = state.container() != null ? state.container() : DeploymentTarget.container(stable, null).getName();
        String service = ServiceName.of(request.service(), state, request.deployment());
        String environment = state.environment();
        String currentImage = DeploymentTarget.imageOf(stable, container);

        String restoreImage;
        String fromImage;
        if (state.step() == CanaryStep.ROLLING_BACK) {
            restoreImage = state.stableImage();
            fromImage = state.canaryImage();
        } else if (request.toRelease() != null) {
            restoreImage = imageOfRelease(service, environment, request.toRelease(), state);
            fromImage = state.canaryActive() ? state.canaryImage() : currentImage;
        } else if (state.canaryActive()) {
            restoreImage = state.stableImage();
            fromImage = state.canaryImage();
        } else if (state.step() == CanaryStep.PROMOTED && state.previousImage() != null) {
            restoreImage = state.previousImage();
            fromImage = currentImage;
        } else if (state.step() == CanaryStep.ROLLED_BACK && state.operation() != null) {
            return alreadyDone(target, state, service, environment, currentImage, request.reason());
        } else {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment with a canary or a promoted release to roll back, or a --to-release to restore (deployment "
                            + target.label() + " has neither)");
        }

        RunLock lock = run.lock(ACT, request.timeout().plusMinutes(1));
        target.acquire(lock);
        String operation = state.step() == CanaryStep.ROLLING_BACK && state.operation() != null ? state.operation() : CanaryRun.newOperation();
        int replicas = state.canaryActive() && state.stableReplicas() != null ? state.stableReplicas() : DeploymentTarget.replicasOf(stable);
        CanaryState rollingBack = new CanaryState(fromImage, 0, 0, restoreImage, replicas, state.release(), state.stableRelease(),
                state.previousImage(), state.previousRelease(), CanaryStep.ROLLING_BACK, operation, state.traffic(), container,
                environment, service, state.strategy(), state.scaleDownDelay());
        boolean hadCanary = target.readCanary() != null;

        // Traffic to the canary stops first: out of the routes and scaled to 0 before the stable side changes.
        TrafficRouter.forState(state, target).remove();
        target.scaleCanary(0);
        boolean autoscaled = StableAutoscaler.of(target, stable).isPresent();
        target.changeStable(lock, d -> {
            rollingBack.writeTo(DeploymentTarget.annotations(d));
            if (!autoscaled) {
                d.getSpec().setReplicas(replicas);
            }
            DeploymentTarget.container(d, container).setImage(restoreImage);
            return d;
        });
        run.progress.line("[%s] %s: canary traffic at 0%%, restoring %s (%d replicas)", ACT, target.label(), restoreImage, replicas);
        target.deleteCanary();
        if (hadCanary) {
            run.progress.line("[%s] %s: canary %s removed", ACT, target.label(), target.canaryName());
        }

        InformerWait.Result wait = run.awaitStableAvailable(target, request.timeout(), ACT);
        String release = ContainerImage.releaseOf(restoreImage);
        AuditEvent.Builder record = AuditEvent.builder(AuditAction.ROLLED_BACK, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(release).image(restoreImage)
                .previousImage(fromImage).reason(request.reason());
        if (!wait.done()) {
            String why = wait.timedOut()
                    ? "the restored stable deployment was not fully available within " + request.timeout().toSeconds() + "s (" + wait.message() + ")"
                    : wait.message();
            run.auditOnce(record.outcome(Outcome.FAILED).detail("failure", why), operation);
            target.release(lock);
            throw new DeploymentFailedException("rollback of " + target.label() + " to " + restoreImage + " did not complete: " + why
                    + "; re-run the rollback to resume it");
        }
        CanaryState settled = rollingBack.settled(CanaryStep.ROLLED_BACK, restoreImage, release, fromImage, ContainerImage.releaseOf(fromImage));
        target.changeStable(lock, d -> {
            settled.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        AuditRecord audited = run.auditOnce(record.outcome(Outcome.SUCCEEDED), operation);
        target.release(lock);
        run.progress.line("[%s] %s: rolled back to %s (release %s)", ACT, target.label(), restoreImage, release);
        return new RollbackResult(target.namespace(), target.name(), restoreImage, release, fromImage, hadCanary, true, audited.seq());
    }

    private RollbackResult alreadyDone(DeploymentTarget target, CanaryState state, String service, String environment,
                                       String currentImage, String reason) {
        AuditRecord audited = run.auditOnce(AuditEvent.builder(AuditAction.ROLLED_BACK, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.stableRelease())
                .image(currentImage).previousImage(state.previousImage()).reason(reason).outcome(Outcome.SUCCEEDED),
                state.operation());
        target.release(run.lock(ACT, Duration.ZERO));
        run.progress.line("[%s] %s: already rolled back to %s", ACT, target.label(), currentImage);
        return new RollbackResult(target.namespace(), target.name(), currentImage, state.stableRelease(),
                audited.event().previousImage(), false, false, audited.seq());
    }

    /** The image of a release that ran in this environment: from the trail, else from the annotations. */
    private String imageOfRelease(String service, String environment, String release, CanaryState state) {
        Set<String> known = new LinkedHashSet<>();
        List<AuditRecord> records = run.store.list(new AuditFilter(service, environment, AuditAction.PROMOTED, null, AuditFilter.MAX_LIMIT));
        for (AuditRecord r : records) {
            if (r.event().outcome() != Outcome.SUCCEEDED || r.event().release() == null) {
                continue;
            }
            if (r.event().release().equals(release)) {
                return r.event().image();
            }
            known.add(r.event().release());
        }
        if (release.equals(state.stableRelease()) && state.stableImage() != null) {
            return state.stableImage();
        }
        if (release.equals(state.previousRelease()) && state.previousImage() != null) {
            return state.previousImage();
        }
        throw new InvalidInputException("to-release", release, known.isEmpty()
                ? "a release promoted earlier for service " + service + (environment == null ? "" : " in " + environment) + " (none is recorded)"
                : "a release promoted earlier for service " + service + (environment == null ? "" : " in " + environment) + ": one of "
                        + String.join(", ", known));
    }
}
