package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.release.GateDecision;
import io.releasepilot.engine.release.Lifecycle;

/**
 * promote: makes the canary the new stable release, in an order that never sends a request to a
 * pod that is going away: the stable Deployment is updated to the canary's image (and its full
 * replica count), then it must be fully available, then the canary is removed. The release must
 * have been promoted in the environment before (lifecycle gate) unless it is a hotfix.
 */
public final class CanaryPromote {

    private static final String ACT = "promote";

    private final CanaryRun run;

    public CanaryPromote(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle) {
        this(new CanaryRun(client, store, origin, progress, lifecycle, null));
    }

    /** A promote that resumes as run {@code runId} (it takes back a lock that run held). */
    public static CanaryPromote resuming(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress,
                                         Lifecycle lifecycle, String runId) {
        return new CanaryPromote(new CanaryRun(client, store, origin, progress, lifecycle, runId));
    }

    private CanaryPromote(CanaryRun run) {
        this.run = run;
    }

    public PromoteResult promote(PromoteRequest request) {
        DeploymentTarget target = new DeploymentTarget(run.client, request.namespace(), request.deployment());
        Deployment stable = target.requireStable();
        CanaryState state = CanaryState.of(stable);
        if (state.environment() != null && request.environment() != null && !state.environment().equals(request.environment())) {
            throw new InvalidInputException("environment", request.environment(), "the environment the canary runs in: " + state.environment());
        }
        String environment = run.environment(request.environment(), state);
        if (state.step() == CanaryStep.PROMOTED && state.operation() != null) {
            return alreadyPromoted(target, state, environment);
        }
        if (state.step() == CanaryStep.CANARY_PENDING) {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment whose canary is ready (the canary of " + target.label() + " is still starting: re-run deploy-canary)");
        }
        if (state.step() != CanaryStep.CANARY_RUNNING && state.step() != CanaryStep.PROMOTING) {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment with a canary to promote (" + target.label() + " has none: run deploy-canary first)");
        }
        boolean resume = state.step() == CanaryStep.PROMOTING && state.operation() != null;
        String image = state.canaryImage();
        String release = state.release();
        String service = ServiceName.of(request.service(), state, request.deployment());
        GateDecision gate = run.gate(ACT, service, environment, target.namespace(), "deployment/" + target.name(), image, release,
                request.hotfix());
        String operation = resume ? state.operation() : AuditAction.PROMOTED.name() + "/" + CanaryRun.newOperation();
        RunLock lock = run.lock(ACT, request.timeout().plusMinutes(2));
        target.acquire(lock);
        run.recordHotfix(gate, ACT, service, environment, target.namespace(), "deployment/" + target.name(), image, release,
                request.reason(), operation);
        int replicas = state.stableReplicas() != null ? state.stableReplicas() : DeploymentTarget.replicasOf(stable);
        String container = state.container();
        CanaryState promoting = state.withStep(CanaryStep.PROMOTING, operation);
        AuditEvent.Builder record = AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(release).image(image)
                .previousImage(state.stableImage()).reason(request.hotfix() ? request.reason() : null)
                .detail("replicas", replicas).detail("container", container)
                .detail("strategy", state.blueGreen() ? DeliveryStrategy.BLUE_GREEN.text() : DeliveryStrategy.CANARY.text());
        if (state.blueGreen()) {
            switchToPreview(target, lock, stable, promoting, record, operation, image);
        }

        boolean autoscaled = StableAutoscaler.of(target, stable).isPresent();
        target.changeStable(lock, d -> {
            promoting.writeTo(DeploymentTarget.annotations(d));
            if (!autoscaled) {
                d.getSpec().setReplicas(replicas);
            }
            DeploymentTarget.container(d, container).setImage(image);
            return d;
        });
        run.progress.line("[%s] %s: stable moving to %s (release %s) on %d replica(s)", ACT, target.label(), image, release, replicas);
        InformerWait.Result wait = run.awaitStableAvailable(target, request.timeout(), ACT);
        if (!wait.done()) {
            String why = wait.timedOut()
                    ? "the stable deployment was not fully available within " + Durations.format(request.timeout()) + " (" + wait.message() + ")"
                    : wait.message();
            run.auditOnce(record.outcome(Outcome.FAILED).detail("failure", why), operation);
            target.release(lock);
            throw new DeploymentFailedException("promote of " + target.label() + " to " + image + " did not complete: " + why
                    + "; the canary still runs. Re-run promote to resume, or rollback to undo");
        }
        // The stable side now runs the new image at full size: traffic goes back to it, then the canary goes.
        TrafficRouter.forState(state, target).remove();
        target.deleteCanary();
        run.progress.line("[%s] %s: canary %s removed", ACT, target.label(), target.canaryName());
        CanaryState promoted = promoting.settled(CanaryStep.PROMOTED, image, release, state.stableImage(), state.stableRelease());
        target.changeStable(lock, d -> {
            promoted.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        AuditRecord audited = run.auditOnce(record.outcome(Outcome.SUCCEEDED), operation);
        target.release(lock);
        run.progress.line("[%s] %s: promoted %s (release %s) in %s", ACT, target.label(), image, release, environment);
        return new PromoteResult(target.namespace(), target.name(), environment, image, release, state.stableImage(), true, audited.seq());
    }

    /**
     * Blue/green: the stable Service switches to the preview's pods at once; then the previous
     * release stays for the scale-down delay, during which a rollback (switching the Service back)
     * is instant and stops this promote.
     */
    private void switchToPreview(DeploymentTarget target, RunLock lock, Deployment stable, CanaryState promoting,
                                 AuditEvent.Builder record, String operation, String image) {
        if (target.readCanary() == null) {
            // A resumed promote that had removed the preview already: switching to it would send requests nowhere.
            return;
        }
        target.changeStable(lock, d -> {
            promoting.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        BlueGreenSwitch blueGreen = new BlueGreenSwitch(target);
        String serviceName = blueGreen.stableService(stable).getMetadata().getName();
        blueGreen.route(stable, 100);
        run.progress.line("[%s] %s: Service %s now sends every request to the preview %s (%s)", ACT, target.label(), serviceName,
                target.canaryName(), image);
        java.time.Duration delay = promoting.scaleDownDelay() != null ? promoting.scaleDownDelay() : CanaryRequest.DEFAULT_SCALE_DOWN_DELAY;
        run.progress.line("[%s] %s: the previous release stays for %s (scale-down delay): a rollback now is instant", ACT, target.label(),
                Durations.format(delay));
        java.util.Map<String, String> previewSelector = blueGreen.canarySelector(stable);
        InformerWait.Result window = new InformerWait<io.fabric8.kubernetes.api.model.Service>(
                run.client.services().inNamespace(target.namespace()).withField("metadata.name", serviceName),
                services -> services.stream().anyMatch(s -> previewSelector.equals(s.getSpec().getSelector()))
                        ? InformerWait.Check.waiting(null)
                        : InformerWait.Check.failed("Service " + serviceName + " was switched back to the previous release during the "
                                + "scale-down delay (a rollback)"),
                delay, line -> { }).await();
        if (window.verdict() == InformerWait.Verdict.FAILED) {
            run.auditOnce(record.outcome(Outcome.FAILED).detail("failure", window.message()), operation);
            target.release(lock);
            throw new DeploymentFailedException("promote of " + target.label() + " stopped: " + window.message()
                    + "; run rollback to finish removing the preview");
        }
    }

    private PromoteResult alreadyPromoted(DeploymentTarget target, CanaryState state, String environment) {
        String service = state.service() != null ? state.service() : target.name();
        AuditRecord audited = run.auditOnce(AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.stableRelease())
                .image(state.stableImage()).previousImage(state.previousImage()).outcome(Outcome.SUCCEEDED)
                .detail("container", state.container()), state.operation());
        target.release(run.lock(ACT, java.time.Duration.ZERO));
        run.progress.line("[%s] %s: already promoted to %s (release %s), nothing to change", ACT, target.label(), state.stableImage(),
                state.stableRelease());
        return new PromoteResult(target.namespace(), target.name(), environment, state.stableImage(), state.stableRelease(),
                state.previousImage(), false, audited.seq());
    }
}
