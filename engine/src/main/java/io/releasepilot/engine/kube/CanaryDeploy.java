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
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.release.DigestResolver;
import io.releasepilot.engine.release.GateDecision;
import io.releasepilot.engine.release.Lifecycle;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * deployCanary: puts a new image beside the stable Deployment at a traffic weight and waits until
 * it is healthy. Called again with another weight it advances the same canary; with another image
 * it replaces the canary. A host {@link #start starts} it as one of its runs and gets a handle; a
 * host that restarted {@link #resume resumes} it. The reconcile is ordered and idempotent: under
 * the run's lease, the decision (image, weight, stable image and replicas, operation id) is
 * written to the stable Deployment's annotations first, so a re-run after a crash at any point
 * resumes the same operation and writes its audit record once. A canary that does not become
 * healthy is removed, after the stable Deployment is back at full size, before the act fails.
 */
public final class CanaryDeploy {

    private static final String ACT = "deployCanary";

    private final CanaryRun run;
    private final ImagePinning pinning;

    public CanaryDeploy(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle) {
        this(new CanaryRun(client, store, origin, progress, lifecycle));
    }

    /** A deployCanary whose waits and lease renewals run on the host's {@code scheduler}. */
    public CanaryDeploy(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle,
                        ScheduledExecutorService scheduler) {
        this(new CanaryRun(client, store, origin, progress, lifecycle, scheduler, RunLock.TTL, Duration.ZERO));
    }

    /** A deployCanary that resolves no tags: a tag then enters only the lifecycle's first environment (see {@link #withDigests}). */
    CanaryDeploy(CanaryRun run) {
        this(run, new ImagePinning(null, run.lifecycle, run.progress));
    }

    private CanaryDeploy(CanaryRun run, ImagePinning pinning) {
        this.run = run;
        this.pinning = pinning;
    }

    /** The same, waiting up to {@code wait} for another run's lease on the Deployment instead of failing at once. */
    public CanaryDeploy withLeaseWait(Duration wait) {
        return new CanaryDeploy(run.withLeaseWait(wait), pinning);
    }

    /** The same, resolving a tag to the digest it points at now (a registry lookup) before the lifecycle gate judges it. */
    public CanaryDeploy withDigests(DigestResolver digests) {
        return new CanaryDeploy(run, new ImagePinning(digests, run.lifecycle, run.progress));
    }

    /**
     * Starts a deployCanary as run {@code runId}: validates the request (bad input throws here and
     * changes nothing), takes the lease on the Deployment, records the act with its absolute
     * deadline and writes the decision, all before it returns; the wait for the canary runs on
     * the scheduler. Another live run's lease throws {@link io.releasepilot.engine.act.LeaseConflictException}
     * (unless a lease wait was set). Taking the brake off is part of an explicit new start.
     */
    public ActHandle<CanaryResult> start(CanaryRequest request, RunId runId) {
        return begin(request, Objects.requireNonNull(runId, "runId"), null);
    }

    /**
     * Picks up the deployCanary that run {@code runId} started on the Deployment (a host that
     * restarted): the request and the absolute deadline come from the Deployment's record of it;
     * the run takes its own lease back. A run that already finished completes with its result.
     */
    public ActHandle<CanaryResult> resume(RunId runId, String namespace, String deployment) {
        DeploymentTarget target = new DeploymentTarget(run.client, Names.dnsLabel("namespace", namespace),
                Names.dnsSubdomain("deployment", deployment));
        ActRecord recorded = ActRecord.require(target.requireStable(), Objects.requireNonNull(runId, "runId"), ACT);
        return begin(recorded.canaryRequest(), runId, recorded.deadline());
    }

    /** Starts a deployCanary under a run id of its own and waits for it (tests, benchmarks). */
    public CanaryResult deploy(CanaryRequest request) {
        return KubeAct.join(start(request, CanaryRun.newRunId()));
    }

    private ActHandle<CanaryResult> begin(CanaryRequest asked, RunId runId, Instant recordedDeadline) {
        DeploymentTarget plain = new DeploymentTarget(run.client, asked.namespace(), asked.deployment());
        Deployment first = plain.requireStable();
        // A tag is pinned once, here: the gate and the deploy (and a resume) see the same digest.
        CanaryRequest request = pinning.pin(asked, run.environment(asked.environment(), CanaryState.of(first)), ACT, plain.label());
        // Bad input and a denying gate are found on this first read, before anything is written;
        // every decision is taken again on the state read once the lease is held.
        Plan checked = plan(request, first, plain);
        GateDecision gate = checked.alreadyThere() ? null : run.gate(ACT, checked.service(), checked.environment(), plain.namespace(),
                "deployment/" + plain.name(), checked.image(), checked.release(), request.hotfix());
        return run.launch(ACT, runId, plain, request.timeout(), recordedDeadline, ActRecord.json(request), recordedDeadline == null, true,
                held -> reconcile(request, held, gate));
    }

    /** Everything one decision needs, taken from the request and the state on the Deployment. */
    private record Plan(CanaryState state, String container, String image, String release, String service, String environment,
                        String stableImage, int total, TrafficRouting routing, boolean blueGreen, TrafficRouter router, int weight,
                        int canaryReplicas, int effective, int stableLeft, boolean sameCanary, boolean alreadyThere, boolean autoscaled) {
    }

    private Plan plan(CanaryRequest request, Deployment stable, DeploymentTarget target) {
        CanaryState state = CanaryState.of(stable);
        if (state.step() == CanaryStep.PROMOTING || state.step() == CanaryStep.ROLLING_BACK) {
            throw new InvalidInputException("deployment", request.deployment(), "a Deployment with no " + state.step().annotationValue()
                    + " under way (finish it first: re-run " + (state.step() == CanaryStep.PROMOTING ? "promote" : "rollback") + ")");
        }
        String container = DeploymentTarget.container(stable, request.container()).getName();
        if (state.canaryActive() && state.container() != null && !state.container().equals(container)) {
            throw new InvalidInputException("container", container, "the container the running canary changes: " + state.container());
        }
        String image = request.image().reference();
        String release = request.image().release();
        String service = request.service() != null ? request.service() : state.service() != null ? state.service() : request.deployment();
        String environment = run.environment(request.environment(), state);
        String stableImage = state.canaryActive() ? state.stableImage() : DeploymentTarget.imageOf(stable, container);
        Optional<StableAutoscaler> hpa = StableAutoscaler.of(target, stable);
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
        TrafficRouter router = blueGreen ? new BlueGreenSwitch(target)
                : TrafficRouter.forDeploy(routing, target, stable, !request.smokeChecks().isEmpty());
        router.validate(stable);
        int weight = blueGreen ? 0 : request.weight();
        CanarySizing sizing = CanarySizing.of(total, request.weight(), blueGreen, router.splitsByReplicas(), hpa.isPresent());
        int canaryReplicas = sizing.canaryReplicas();
        int effective = sizing.effective();
        int stableLeft = sizing.stableLeft();
        boolean sameCanary = state.canaryActive() && image.equals(state.canaryImage());
        boolean alreadyThere = sameCanary && state.step() == CanaryStep.CANARY_RUNNING && state.weight() != null && state.weight() == weight
                && DeploymentTarget.replicasOf(stable) == stableLeft && canaryStands(target, container, image, canaryReplicas);
        return new Plan(state, container, image, release, service, environment, stableImage, total, routing, blueGreen, router, weight,
                canaryReplicas, effective, stableLeft, sameCanary, alreadyThere, hpa.isPresent());
    }

    /** The act once the lease is held: decide on a fresh read, write the decision, start the canary, wait for it. */
    private CompletableFuture<CanaryResult> reconcile(CanaryRequest request, CanaryRun.Held held, GateDecision checkedGate) {
        CanaryRun r = held.run();
        DeploymentTarget target = held.target();
        Deployment stable = target.requireStable();
        Plan p = plan(request, stable, target);
        if (p.alreadyThere()) {
            return CompletableFuture.completedFuture(alreadyThere(r, target, p.state(), request, p.canaryReplicas(), p.stableLeft()));
        }
        GateDecision gate = checkedGate != null ? checkedGate : r.gate(ACT, p.service(), p.environment(), target.namespace(),
                "deployment/" + target.name(), p.image(), p.release(), request.hotfix());
        CanaryState state = p.state();
        AuditAction action = p.sameCanary() ? AuditAction.CANARY_ADVANCED : AuditAction.CANARY_STARTED;
        boolean resume = p.sameCanary() && state.step() == CanaryStep.CANARY_PENDING && state.weight() != null
                && state.weight() == p.weight() && state.operation() != null;
        String operation = resume ? state.operation() : action.name() + "/" + CanaryRun.newOperation();
        AuditAction recorded = resume ? actionOf(state.operation()) : action;
        Supplier<AuditEvent.Builder> record = () -> AuditEvent.builder(recorded, p.service()).environment(p.environment())
                .namespace(target.namespace()).target("deployment/" + target.name()).release(p.release()).image(p.image())
                .previousImage(p.stableImage()).reason(request.hotfix() ? request.reason() : null)
                .detail("weight", p.weight()).detail("effectiveWeight", p.effective()).detail("strategy", request.strategy().text())
                .detail("canaryReplicas", p.canaryReplicas()).detail("stableReplicas", p.stableLeft()).detail("traffic", p.routing().name())
                .detail("container", p.container());
        r.recordHotfix(gate, ACT, p.service(), p.environment(), target.namespace(), "deployment/" + target.name(), p.image(), p.release(),
                request.reason(), operation);
        String stableRelease = state.canaryActive() && state.stableRelease() != null ? state.stableRelease()
                : ContainerImage.releaseOf(p.stableImage());
        CanaryState pending = new CanaryState(p.image(), p.weight(), state.canaryActive() ? state.effectiveWeight() : null, p.stableImage(),
                p.autoscaled() ? null : p.total(), p.release(), stableRelease, state.previousImage(), state.previousRelease(), CanaryStep.CANARY_PENDING, operation,
                p.routing(), p.container(), p.environment(), p.service(), request.strategy(), request.scaleDownDelay());
        held.act().onAbort(reason -> r.auditAbort(record.get(), reason, operation));
        Deployment written = target.changeStable(held.lease().current(), d -> {
            pending.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        Map<String, String> podLabels = p.router().canaryPodLabels(written);
        p.router().prepare(written, p.container(), p.image());
        target.ensureCanary(written, p.container(), p.image(), p.canaryReplicas(), podLabels, p.router().canarySelector(written));
        if (p.blueGreen()) {
            r.progress.line("[%s] %s: preview %s (release %s): %d pod(s) beside the stable %s, no traffic until promote",
                    ACT, target.label(), p.image(), p.release(), p.canaryReplicas(), p.stableImage());
        } else {
            r.progress.line("[%s] %s: canary %s (release %s) at %d%%: %d canary pod(s) beside the stable %s",
                    ACT, target.label(), p.image(), p.release(), p.weight(), p.canaryReplicas(), p.stableImage());
        }
        KubeAct<?> act = held.act();
        return r.awaitCanaryReady(act, target, podLabels, p.container(), p.image(), p.canaryReplicas(), act.deadline(), p.weight())
                .thenCompose(wait -> act.then(() -> {
                    if (wait.done()) {
                        return smokeChecks(r, act, request, target);
                    }
                    return CompletableFuture.completedFuture(wait.timedOut()
                            ? "the canary was not ready within " + Durations.format(request.timeout())
                                    + " (" + (wait.message() == null ? "no pods" : wait.message()) + ")"
                            : wait.message());
                }))
                .thenCompose(failure -> act.then(() -> failure != null ? CompletableFuture.completedFuture(failure)
                        : route(r, act, target, p, written, podLabels)))
                .thenCompose(failure -> act.then(() -> failure != null
                        ? fail(held, p, pending, record, operation, failure)
                        : CompletableFuture.completedFuture(succeed(held, p, written, pending, record, operation))));
    }

    /**
     * The checked canary gets its traffic. A canary whose pods join the stable Service only now
     * (replicas with smoke checks) is waited for again, so they serve before the stable side gives
     * any pods up; completes with the failure, or null.
     */
    private CompletableFuture<String> route(CanaryRun r, KubeAct<?> act, DeploymentTarget target, Plan p, Deployment written,
                                            Map<String, String> podLabels) {
        p.router().route(written, p.weight());
        Map<String, String> serving = p.router().servingPodLabels(written);
        if (serving.equals(podLabels)) {
            return CompletableFuture.completedFuture(null);
        }
        return r.awaitCanaryReady(act, target, serving, p.container(), p.image(), p.canaryReplicas(), act.deadline(), p.weight())
                .thenApply(wait -> wait.done() ? null : "the canary's pods did not become ready in the stable Service: "
                        + (wait.message() == null ? "timed out" : wait.message()));
    }

    /** The ready canary gets its traffic; the stable Deployment gives up its share only now, so capacity never drops. */
    private CanaryResult succeed(CanaryRun.Held held, Plan p, Deployment written, CanaryState pending, Supplier<AuditEvent.Builder> record,
                                 String operation) {
        CanaryRun r = held.run();
        DeploymentTarget target = held.target();
        CanaryState running = pending.withStep(CanaryStep.CANARY_RUNNING, operation).withEffectiveWeight(p.effective());
        target.changeStable(held.lease().current(), d -> {
            running.writeTo(DeploymentTarget.annotations(d));
            if (!p.autoscaled()) {
                d.getSpec().setReplicas(p.stableLeft());
            }
            return d;
        });
        AuditRecord audited = r.auditOnce(record.get().outcome(Outcome.SUCCEEDED), operation);
        if (p.blueGreen()) {
            r.progress.line("[%s] %s: preview %s ready (%d/%d), no traffic until promote", ACT, target.label(), target.canaryName(),
                    p.canaryReplicas(), p.total());
        } else {
            r.progress.line("[%s] %s: canary at %d%% (%d/%d ready)%s", ACT, target.label(), p.effective(), p.canaryReplicas(), p.total(),
                    honesty(p.weight(), p.effective(), p.total()));
        }
        return new CanaryResult(target.namespace(), target.name(), p.image(), p.release(), p.stableImage(), p.weight(), p.effective(),
                p.canaryReplicas(), p.stableLeft(), true, audited.seq());
    }

    /** Runs the smoke checks against the ready canary, before it gets traffic, one after the other; completes with the failure, or null. */
    private CompletableFuture<String> smokeChecks(CanaryRun r, KubeAct<?> act, CanaryRequest request, DeploymentTarget target) {
        CompletableFuture<String> chain = CompletableFuture.completedFuture(null);
        if (request.smokeChecks().isEmpty()) {
            return chain;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        for (SmokeCheck check : request.smokeChecks()) {
            chain = chain.thenCompose(failed -> failed != null ? CompletableFuture.completedFuture(failed)
                    : act.waitFor(check.run(http, r.scheduler, line -> r.progress.line("[%s] %s: %s", ACT, target.label(), line)))
                            .thenApply(failure -> {
                                if (failure == null) {
                                    r.progress.line("[%s] %s: smoke check %s answered %d", ACT, target.label(), check.url(),
                                            check.expectedStatus());
                                }
                                return failure;
                            }));
        }
        return chain;
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

    private static CanaryResult alreadyThere(CanaryRun r, DeploymentTarget target, CanaryState state, CanaryRequest request,
                                             int canaryReplicas, int stableLeft) {
        String operation = state.operation();
        String service = state.service() != null ? state.service() : target.name();
        AuditRecord audited = r.auditOnce(AuditEvent.builder(actionOf(operation), service).environment(state.environment())
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.release())
                .image(state.canaryImage()).previousImage(state.stableImage()).outcome(Outcome.SUCCEEDED)
                .reason(request.hotfix() ? request.reason() : null)
                .detail("weight", state.weight()).detail("effectiveWeight", state.effectiveWeight())
                .detail("canaryReplicas", canaryReplicas).detail("stableReplicas", stableLeft)
                .detail("traffic", state.traffic() == null ? TrafficRouting.replicas.name() : state.traffic().name())
                .detail("container", state.container()), operation);
        int effective = state.effectiveWeight() == null ? state.weight() : state.effectiveWeight();
        r.progress.line("[%s] %s: canary already at %d%% (%d/%d ready), nothing to change", ACT, target.label(), effective,
                canaryReplicas, canaryReplicas + stableLeft);
        return new CanaryResult(target.namespace(), target.name(), state.canaryImage(), state.release(), state.stableImage(),
                state.weight(), effective, canaryReplicas, stableLeft, false, audited.seq());
    }

    /**
     * Fails the canary without dropping capacity: traffic back to the stable side, the stable
     * Deployment gets all its replicas back and must be fully available, and only then is the
     * canary scaled down and removed. Both records are written (FAILED, then ROLLED_BACK).
     */
    private CompletableFuture<CanaryResult> fail(CanaryRun.Held held, Plan p, CanaryState pending, Supplier<AuditEvent.Builder> record,
                                                 String operation, String why) {
        CanaryRun r = held.run();
        KubeAct<?> act = held.act();
        DeploymentTarget cleanup = held.cleanup();
        int total = p.total();
        r.progress.line("[%s] %s: canary failed: %s; the stable deployment gets its %d replica(s) back before the canary goes",
                ACT, cleanup.label(), why, total);
        (p.blueGreen() ? new BlueGreenSwitch(cleanup) : TrafficRouter.of(p.routing(), cleanup)).remove();
        if (!p.autoscaled()) {
            cleanup.changeStable(held.lease().current(), d -> {
                d.getSpec().setReplicas(total);
                return d;
            });
        }
        return r.awaitStableAvailable(act, cleanup, Instant.now().plus(CanaryRollback.DEFAULT_TIMEOUT)).thenCompose(wait -> act.then(() -> {
            if (!wait.done()) {
                String notBack = why + "; the stable deployment was not fully available within "
                        + Durations.format(CanaryRollback.DEFAULT_TIMEOUT) + " (" + wait.message() + "), so the canary was left in place";
                r.auditOnce(record.get().outcome(Outcome.FAILED).reason(notBack), operation);
                throw new DeploymentFailedException("canary " + pending.canaryImage() + " of " + cleanup.label() + " failed: " + notBack
                        + ". Run rollback to finish removing it");
            }
            cleanup.scaleCanary(0);
            // Recorded before the state says rolled-back: a re-run after a crash here still sees the canary and fails it again.
            r.auditOnce(record.get().outcome(Outcome.FAILED).reason(why), operation);
            CanaryState rolledBack = pending.settled(CanaryStep.ROLLED_BACK, pending.stableImage(), pending.stableRelease(),
                    pending.canaryImage(), pending.release());
            cleanup.changeStable(held.lease().current(), d -> {
                rolledBack.writeTo(DeploymentTarget.annotations(d));
                if (!p.autoscaled()) {
                    d.getSpec().setReplicas(total);
                }
                return d;
            });
            cleanup.deleteCanary();
            r.auditOnce(AuditEvent.builder(AuditAction.ROLLED_BACK, pending.service()).environment(pending.environment())
                    .namespace(cleanup.namespace()).target("deployment/" + cleanup.name()).release(pending.stableRelease())
                    .image(pending.stableImage()).previousImage(pending.canaryImage()).outcome(Outcome.SUCCEEDED)
                    .reason("canary failed: " + why).detail("canaryRemoved", true).detail("stableReplicas", total), operation);
            throw new DeploymentFailedException("canary " + pending.canaryImage() + " of " + cleanup.label() + " failed: " + why
                    + "; the canary was removed and " + cleanup.label() + " runs " + pending.stableImage() + " on " + total + " replica(s)");
        }));
    }
}
