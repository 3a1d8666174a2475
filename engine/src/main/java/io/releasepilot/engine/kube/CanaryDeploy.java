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
import io.releasepilot.engine.release.DigestResolver;
import io.releasepilot.engine.release.GateDecision;
import io.releasepilot.engine.release.Lifecycle;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;

/**
 * deployCanary: puts a new image beside the stable Deployment at a traffic weight and waits until
 * it is healthy. Called again with another weight it advances the same canary; with another image
 * it replaces the canary. The reconcile is ordered and idempotent: the decision (image, weight,
 * stable image and replicas, operation id) is written to the stable Deployment's annotations
 * first, so a re-run after a crash at any point resumes the same operation and writes its audit
 * record once. A canary that does not become healthy is removed before the act fails.
 */
public final class CanaryDeploy {

    private static final String ACT = "deployCanary";

    private final CanaryRun run;
    private final ImagePinning pinning;

    /** A deployCanary that resolves no tags: a tag then enters only the lifecycle's first environment. */
    public CanaryDeploy(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle) {
        this(client, store, origin, progress, lifecycle, null);
    }

    /** @param digests resolves a tag to the digest it points at now (a registry lookup); null for none */
    public CanaryDeploy(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle,
                        DigestResolver digests) {
        this(new CanaryRun(client, store, origin, progress, lifecycle, null), new ImagePinning(digests, lifecycle, progress));
    }

    /** A deployCanary that resumes as run {@code runId} (it takes back a lock that run held). */
    public static CanaryDeploy resuming(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress,
                                        Lifecycle lifecycle, String runId) {
        return new CanaryDeploy(new CanaryRun(client, store, origin, progress, lifecycle, runId), new ImagePinning(null, lifecycle, progress));
    }

    private CanaryDeploy(CanaryRun run, ImagePinning pinning) {
        this.run = run;
        this.pinning = pinning;
    }

    public CanaryResult deploy(CanaryRequest request) {
        DeploymentTarget target = new DeploymentTarget(run.client, request.namespace(), request.deployment());
        Deployment stable = target.requireStable();
        CanaryState state = CanaryState.of(stable);
        if (state.step() == CanaryStep.PROMOTING || state.step() == CanaryStep.ROLLING_BACK) {
            throw new InvalidInputException("deployment", request.deployment(), "a Deployment with no " + state.step().annotationValue()
                    + " under way (finish it first: re-run " + (state.step() == CanaryStep.PROMOTING ? "promote" : "rollback") + ")");
        }
        String container = DeploymentTarget.container(stable, request.container()).getName();
        if (state.canaryActive() && state.container() != null && !state.container().equals(container)) {
            throw new InvalidInputException("container", container, "the container the running canary changes: " + state.container());
        }
        String environment = run.environment(request.environment(), state);
        ContainerImage pinned = pinning.pin(request.image(), environment, ACT, target.label());
        String image = pinned.reference();
        String release = pinned.release();
        String service = request.service() != null ? request.service() : state.service() != null ? state.service() : request.deployment();
        String stableImage = state.canaryActive() ? state.stableImage() : DeploymentTarget.imageOf(stable, container);
        java.util.Optional<StableAutoscaler> hpa = StableAutoscaler.of(target, stable);
        int total = hpa.isPresent() ? hpa.get().currentReplicas()
                : state.canaryActive() && state.stableReplicas() != null ? state.stableReplicas() : DeploymentTarget.replicasOf(stable);
        if (total < 1) {
            throw new InvalidInputException("deployment", request.deployment(), "a Deployment with at least 1 replica (it is scaled to 0)");
        }
        if (image.equals(stableImage)) {
            throw new InvalidInputException("image", image, "an image other than the one deployment " + target.label() + " already runs");
        }
        TrafficRouting routing = state.canaryActive() && state.traffic() != null ? state.traffic()
                : request.traffic() != null ? request.traffic() : TrafficRouting.replicas;
        if (request.traffic() != null && request.traffic() != routing) {
            throw new InvalidInputException("traffic", request.traffic().name(), "the router of the running canary: " + routing.name());
        }
        boolean blueGreen = request.strategy() == DeliveryStrategy.BLUE_GREEN;
        if (state.canaryActive() && state.blueGreen() != blueGreen) {
            throw new InvalidInputException("strategy", request.strategy().text(), "the strategy of the running "
                    + (state.blueGreen() ? "preview: blue-green" : "canary: canary"));
        }
        TrafficRouter router = blueGreen ? new BlueGreenSwitch(target) : TrafficRouter.forDeploy(routing, target, stable, !request.smokeChecks().isEmpty());
        router.validate(stable);
        int weight = blueGreen ? 0 : request.weight();
        CanarySizing sizing = CanarySizing.of(total, request.weight(), blueGreen, router.splitsByReplicas(), hpa.isPresent());
        int canaryReplicas = sizing.canaryReplicas();
        int effective = sizing.effective();
        int stableLeft = sizing.stableLeft();
        boolean sameCanary = state.canaryActive() && image.equals(state.canaryImage());

        if (sameCanary && state.step() == CanaryStep.CANARY_RUNNING && state.weight() != null && state.weight() == weight
                && DeploymentTarget.replicasOf(stable) == stableLeft && canaryStands(target, container, image, canaryReplicas)) {
            return alreadyThere(target, state, request, service, environment, canaryReplicas, stableLeft);
        }

        GateDecision gate = run.gate(ACT, service, environment, target.namespace(), "deployment/" + target.name(), image, release,
                request.hotfix());
        AuditAction action = sameCanary ? AuditAction.CANARY_ADVANCED : AuditAction.CANARY_STARTED;
        boolean resume = sameCanary && state.step() == CanaryStep.CANARY_PENDING && state.weight() != null
                && state.weight() == weight && state.operation() != null;
        String operation = resume ? state.operation() : action.name() + "/" + CanaryRun.newOperation();
        if (resume) {
            action = actionOf(state.operation());
        }

        RunLock lock = run.lock(ACT, request.timeout().plusMinutes(2));
        target.acquire(lock);
        run.recordHotfix(gate, ACT, service, environment, target.namespace(), "deployment/" + target.name(), image, release,
                request.reason(), operation);
        String stableRelease = state.canaryActive() && state.stableRelease() != null ? state.stableRelease() : ContainerImage.releaseOf(stableImage);
        CanaryState pending = new CanaryState(image, weight, state.canaryActive() ? state.effectiveWeight() : null, stableImage,
                hpa.isPresent() ? null : total, release, stableRelease, state.previousImage(), state.previousRelease(), CanaryStep.CANARY_PENDING, operation,
                routing, container, environment, service, request.strategy(), request.scaleDownDelay());
        Deployment written = target.changeStable(lock, d -> {
            pending.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        java.util.Map<String, String> podLabels = router.canaryPodLabels(written);
        router.prepare(written, container, image);
        target.ensureCanary(written, container, image, canaryReplicas, podLabels, router.canarySelector(written));
        if (blueGreen) {
            run.progress.line("[%s] %s: preview %s (release %s): %d pod(s) beside the stable %s, no traffic until promote",
                    ACT, target.label(), image, release, canaryReplicas, stableImage);
        } else {
            run.progress.line("[%s] %s: canary %s (release %s) at %d%%: %d canary pod(s) beside the stable %s",
                    ACT, target.label(), image, release, weight, canaryReplicas, stableImage);
        }

        InformerWait.Result wait = run.awaitCanaryReady(target, podLabels, container, image, canaryReplicas, request.timeout(), ACT,
                weight);
        AuditEvent.Builder record = AuditEvent.builder(action, service).environment(environment).namespace(target.namespace())
                .target("deployment/" + target.name()).release(release).image(image).previousImage(stableImage)
                .reason(request.hotfix() ? request.reason() : null)
                .detail("weight", weight).detail("effectiveWeight", effective).detail("strategy", request.strategy().text()).detail("canaryReplicas", canaryReplicas)
                .detail("stableReplicas", stableLeft).detail("traffic", routing.name()).detail("container", container);
        if (!wait.done()) {
            String why = wait.timedOut()
                    ? "the canary was not ready within " + io.releasepilot.engine.input.Durations.format(request.timeout())
                            + " (" + (wait.message() == null ? "no pods" : wait.message()) + ")"
                    : wait.message();
            fail(target, router, lock, pending, record, operation, why, total);
        }
        String smokeFailure = smokeChecks(request, target);
        if (smokeFailure != null) {
            fail(target, router, lock, pending, record, operation, smokeFailure, total);
        }
        router.route(written, weight);
        if (!router.servingPodLabels(written).equals(podLabels)) {
            // The checked canary joined the stable Service with new pods: they serve before the stable side gives any up.
            wait = run.awaitCanaryReady(target, router.servingPodLabels(written), container, image, canaryReplicas, request.timeout(), ACT, weight);
            if (!wait.done()) {
                fail(target, router, lock, pending, record, operation, "the canary's pods did not become ready in the stable Service: "
                        + (wait.message() == null ? "timed out" : wait.message()), total);
            }
        }

        CanaryState running = pending.withStep(CanaryStep.CANARY_RUNNING, operation).withEffectiveWeight(effective);
        target.changeStable(lock, d -> {
            running.writeTo(DeploymentTarget.annotations(d));
            if (hpa.isEmpty()) {
                d.getSpec().setReplicas(stableLeft);
            }
            return d;
        });
        AuditRecord audited = run.auditOnce(record.outcome(Outcome.SUCCEEDED), operation);
        target.release(lock);
        if (blueGreen) {
            run.progress.line("[%s] %s: preview %s ready (%d/%d), no traffic until promote", ACT, target.label(), target.canaryName(),
                    canaryReplicas, total);
        } else {
            run.progress.line("[%s] %s: canary at %d%% (%d/%d ready)%s", ACT, target.label(), effective, canaryReplicas, total,
                    honesty(weight, effective, total));
        }
        return new CanaryResult(target.namespace(), target.name(), image, release, stableImage, weight, effective,
                canaryReplicas, stableLeft, true, audited.seq());
    }

    /** Runs the smoke checks against the ready canary, before it gets traffic; returns the failure, or null. */
    private String smokeChecks(CanaryRequest request, DeploymentTarget target) {
        if (request.smokeChecks().isEmpty()) {
            return null;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        for (SmokeCheck check : request.smokeChecks()) {
            String failure = check.run(http, line -> run.progress.line("[%s] %s: %s", ACT, target.label(), line));
            if (failure != null) {
                return failure;
            }
            run.progress.line("[%s] %s: smoke check %s answered %d", ACT, target.label(), check.url(), check.expectedStatus());
        }
        return null;
    }

    private static AuditAction actionOf(String operation) {
        int slash = operation.indexOf('/');
        try {
            return slash < 0 ? AuditAction.CANARY_STARTED : AuditAction.valueOf(operation.substring(0, slash));
        } catch (IllegalArgumentException e) {
            return AuditAction.CANARY_STARTED;
        }
    }

    private static String honesty(int asked, int effective, int total) {
        if (asked == effective) {
            return "";
        }
        return String.format(Locale.ROOT, "; %d%% was asked, but %d pod(s) split no finer than %d%% steps", asked, total,
                Math.max(1, Math.round(100f / total)));
    }

    private boolean canaryStands(DeploymentTarget target, String container, String image, int replicas) {
        Deployment canary = target.readCanary();
        return canary != null && DeploymentTarget.replicasOf(canary) == replicas
                && image.equals(DeploymentTarget.imageOf(canary, container));
    }

    private CanaryResult alreadyThere(DeploymentTarget target, CanaryState state, CanaryRequest request, String service,
                                      String environment, int canaryReplicas, int stableLeft) {
        String operation = state.operation();
        AuditRecord audited = run.auditOnce(AuditEvent.builder(actionOf(operation), service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.release())
                .image(state.canaryImage()).previousImage(state.stableImage()).outcome(Outcome.SUCCEEDED)
                .reason(request.hotfix() ? request.reason() : null)
                .detail("weight", state.weight()).detail("effectiveWeight", state.effectiveWeight())
                .detail("canaryReplicas", canaryReplicas).detail("stableReplicas", stableLeft)
                .detail("traffic", state.traffic() == null ? TrafficRouting.replicas.name() : state.traffic().name())
                .detail("container", state.container()), operation);
        target.release(run.lock(ACT, Duration.ZERO));
        int effective = state.effectiveWeight() == null ? state.weight() : state.effectiveWeight();
        run.progress.line("[%s] %s: canary already at %d%% (%d/%d ready), nothing to change", ACT, target.label(), effective,
                canaryReplicas, canaryReplicas + stableLeft);
        return new CanaryResult(target.namespace(), target.name(), state.canaryImage(), state.release(), state.stableImage(),
                state.weight(), effective, canaryReplicas, stableLeft, false, audited.seq());
    }

    /** Removes the unhealthy canary, gives the stable Deployment its replicas back, records both, and fails. */
    private void fail(DeploymentTarget target, TrafficRouter router, RunLock lock, CanaryState pending, AuditEvent.Builder record, String operation,
                      String why, int total) {
        run.progress.line("[%s] %s: canary failed: %s; removing it", ACT, target.label(), why);
        router.remove();
        target.scaleCanary(0);
        // Recorded before the state says rolled-back: a re-run after a crash here still sees the canary and fails it again.
        run.auditOnce(record.outcome(Outcome.FAILED).reason(why), operation);
        CanaryState rolledBack = pending.settled(CanaryStep.ROLLED_BACK, pending.stableImage(), pending.stableRelease(),
                pending.canaryImage(), pending.release());
        target.changeStable(lock, d -> {
            rolledBack.writeTo(DeploymentTarget.annotations(d));
            if (pending.stableReplicas() != null) {
                d.getSpec().setReplicas(total);
            }
            return d;
        });
        target.deleteCanary();
        run.auditOnce(AuditEvent.builder(AuditAction.ROLLED_BACK, pending.service()).environment(pending.environment())
                .namespace(target.namespace()).target("deployment/" + target.name()).release(pending.stableRelease())
                .image(pending.stableImage()).previousImage(pending.canaryImage()).outcome(Outcome.SUCCEEDED)
                .reason("canary failed: " + why).detail("canaryRemoved", true).detail("stableReplicas", total), operation);
        target.release(lock);
        throw new DeploymentFailedException("canary " + pending.canaryImage() + " of " + target.label() + " failed: " + why
                + "; the canary was removed and " + target.label() + " runs " + pending.stableImage() + " on " + total + " replica(s)");
    }
}
