package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Service;
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
import io.releasepilot.engine.release.GateDecision;
import io.releasepilot.engine.release.Lifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

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
        this(new CanaryRun(client, store, origin, progress, lifecycle));
    }

    /** A promote whose waits and lease renewals run on the host's {@code scheduler}. */
    public CanaryPromote(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle,
                         ScheduledExecutorService scheduler) {
        this(new CanaryRun(client, store, origin, progress, lifecycle, scheduler, RunLock.TTL, Duration.ZERO));
    }

    CanaryPromote(CanaryRun run) {
        this.run = run;
    }

    /** The same, waiting up to {@code wait} for another run's lease on the Deployment instead of failing at once. */
    public CanaryPromote withLeaseWait(Duration wait) {
        return new CanaryPromote(run.withLeaseWait(wait));
    }

    /**
     * Starts a promote as run {@code runId}: validation, the lifecycle gate, the lease and the act's
     * record (with its absolute deadline) happen before it returns; the wait for the stable
     * Deployment runs on the scheduler.
     */
    public ActHandle<PromoteResult> start(PromoteRequest request, RunId runId) {
        return begin(request, Objects.requireNonNull(runId, "runId"), null);
    }

    /** Picks up the promote run {@code runId} started on the Deployment, with its recorded request and deadline. */
    public ActHandle<PromoteResult> resume(RunId runId, String namespace, String deployment) {
        DeploymentTarget target = new DeploymentTarget(run.client, Names.dnsLabel("namespace", namespace),
                Names.dnsSubdomain("deployment", deployment));
        ActRecord recorded = ActRecord.require(target.requireStable(), Objects.requireNonNull(runId, "runId"), ACT);
        return begin(recorded.promoteRequest(), runId, recorded.deadline());
    }

    /** Starts a promote under a run id of its own and waits for it (tests, benchmarks). */
    public PromoteResult promote(PromoteRequest request) {
        return KubeAct.join(start(request, CanaryRun.newRunId()));
    }

    private ActHandle<PromoteResult> begin(PromoteRequest request, RunId runId, Instant recordedDeadline) {
        DeploymentTarget plain = new DeploymentTarget(run.client, request.namespace(), request.deployment());
        CanaryState checked = check(request, plain.requireStable(), plain);
        GateDecision gate = checked.step() == CanaryStep.PROMOTED ? null : gate(run, request, checked, plain);
        return run.launch(ACT, runId, plain, request.timeout(), recordedDeadline, ActRecord.json(request), false, true,
                held -> reconcile(request, held, gate));
    }

    /** The state to promote from, or bad input saying why there is nothing to promote. */
    private CanaryState check(PromoteRequest request, Deployment stable, DeploymentTarget target) {
        CanaryState state = CanaryState.of(stable);
        if (state.environment() != null && request.environment() != null && !state.environment().equals(request.environment())) {
            throw new InvalidInputException("environment", request.environment(), "the environment the canary runs in: " + state.environment());
        }
        run.environment(request.environment(), state);
        if (state.step() == CanaryStep.PROMOTED && state.operation() != null) {
            return state;
        }
        if (state.step() == CanaryStep.CANARY_PENDING) {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment whose canary is ready (the canary of " + target.label() + " is still starting: re-run deploy-canary)");
        }
        if (state.step() != CanaryStep.CANARY_RUNNING && state.step() != CanaryStep.PROMOTING) {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment with a canary to promote (" + target.label() + " has none: run deploy-canary first)");
        }
        return state;
    }

    private static GateDecision gate(CanaryRun r, PromoteRequest request, CanaryState state, DeploymentTarget target) {
        String service = ServiceName.of(request.service(), state, request.deployment());
        return r.gate(ACT, service, r.environment(request.environment(), state), target.namespace(), "deployment/" + target.name(),
                state.canaryImage(), state.release(), request.hotfix());
    }

    /** The act once the lease is held, on a fresh read. */
    private CompletableFuture<PromoteResult> reconcile(PromoteRequest request, CanaryRun.Held held, GateDecision checkedGate) {
        CanaryRun r = held.run();
        DeploymentTarget target = held.target();
        Deployment stable = target.requireStable();
        CanaryState state = check(request, stable, target);
        String environment = r.environment(request.environment(), state);
        if (state.step() == CanaryStep.PROMOTED) {
            return CompletableFuture.completedFuture(alreadyPromoted(r, target, state, environment));
        }
        GateDecision gate = checkedGate != null ? checkedGate : gate(r, request, state, target);
        boolean resume = state.step() == CanaryStep.PROMOTING && state.operation() != null;
        String image = state.canaryImage();
        String release = state.release();
        String service = ServiceName.of(request.service(), state, request.deployment());
        String operation = resume ? state.operation() : AuditAction.PROMOTED.name() + "/" + CanaryRun.newOperation();
        r.recordHotfix(gate, ACT, service, environment, target.namespace(), "deployment/" + target.name(), image, release,
                request.reason(), operation);
        int replicas = state.stableReplicas() != null ? state.stableReplicas() : DeploymentTarget.replicasOf(stable);
        String container = state.container();
        CanaryState promoting = state.withStep(CanaryStep.PROMOTING, operation);
        Supplier<AuditEvent.Builder> record = () -> AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(release).image(image)
                .previousImage(state.stableImage()).reason(request.hotfix() ? request.reason() : null)
                .detail("replicas", replicas).detail("container", container)
                .detail("strategy", state.blueGreen() ? DeliveryStrategy.BLUE_GREEN.text() : DeliveryStrategy.CANARY.text());
        KubeAct<?> act = held.act();
        act.onAbort(reason -> r.auditAbort(record.get(), reason, operation));
        CompletableFuture<Void> switched = state.blueGreen()
                ? switchToPreview(held, stable, promoting, record, operation, image)
                : CompletableFuture.completedFuture(null);
        boolean autoscaled = StableAutoscaler.of(target, stable).isPresent();
        return switched.thenCompose(ignored -> act.then(() -> {
            target.changeStable(held.lease().current(), d -> {
                promoting.writeTo(DeploymentTarget.annotations(d));
                if (!autoscaled) {
                    d.getSpec().setReplicas(replicas);
                }
                DeploymentTarget.container(d, container).setImage(image);
                return d;
            });
            r.progress.line("[%s] %s: stable moving to %s (release %s) on %d replica(s)", ACT, target.label(), image, release, replicas);
            return r.awaitStableAvailable(act, target, act.deadline());
        })).thenCompose(wait -> act.then(() -> {
            if (!wait.done()) {
                String why = wait.timedOut()
                        ? "the stable deployment was not fully available within " + Durations.format(request.timeout()) + " (" + wait.message() + ")"
                        : wait.message();
                r.auditOnce(record.get().outcome(Outcome.FAILED).detail("failure", why), operation);
                throw new DeploymentFailedException("promote of " + target.label() + " to " + image + " did not complete: " + why
                        + "; the canary still runs. Re-run promote to resume, or rollback to undo");
            }
            // The stable side now runs the new image at full size: traffic goes back to it, then the canary goes.
            TrafficRouter.forState(state, target).remove();
            target.deleteCanary();
            r.progress.line("[%s] %s: canary %s removed", ACT, target.label(), target.canaryName());
            CanaryState promoted = promoting.settled(CanaryStep.PROMOTED, image, release, state.stableImage(), state.stableRelease());
            target.changeStable(held.lease().current(), d -> {
                promoted.writeTo(DeploymentTarget.annotations(d));
                return d;
            });
            AuditRecord audited = r.auditOnce(record.get().outcome(Outcome.SUCCEEDED), operation);
            r.progress.line("[%s] %s: promoted %s (release %s) in %s", ACT, target.label(), image, release, environment);
            return CompletableFuture.completedFuture(new PromoteResult(target.namespace(), target.name(), environment, image, release,
                    state.stableImage(), true, audited.seq()));
        }));
    }

    /**
     * Blue/green: the stable Service switches to the preview's pods at once; then the previous
     * release stays for the scale-down delay, during which a rollback (switching the Service back)
     * is instant and stops this promote.
     */
    private CompletableFuture<Void> switchToPreview(CanaryRun.Held held, Deployment stable, CanaryState promoting,
                                                    Supplier<AuditEvent.Builder> record, String operation, String image) {
        CanaryRun r = held.run();
        DeploymentTarget target = held.target();
        if (target.readCanary() == null) {
            // A resumed promote that had removed the preview already: switching to it would send requests nowhere.
            return CompletableFuture.completedFuture(null);
        }
        target.changeStable(held.lease().current(), d -> {
            promoting.writeTo(DeploymentTarget.annotations(d));
            return d;
        });
        BlueGreenSwitch blueGreen = new BlueGreenSwitch(target);
        String serviceName = blueGreen.stableService(stable).getMetadata().getName();
        blueGreen.route(stable, 100);
        r.progress.line("[%s] %s: Service %s now sends every request to the preview %s (%s)", ACT, target.label(), serviceName,
                target.canaryName(), image);
        Duration delay = promoting.scaleDownDelay() != null ? promoting.scaleDownDelay() : CanaryRequest.DEFAULT_SCALE_DOWN_DELAY;
        r.progress.line("[%s] %s: the previous release stays for %s (scale-down delay): a rollback now is instant", ACT, target.label(),
                Durations.format(delay));
        Map<String, String> previewSelector = blueGreen.canarySelector(stable);
        KubeAct<?> act = held.act();
        return act.waitFor(new InformerWait<Service>(
                r.client.services().inNamespace(target.namespace()).withField("metadata.name", serviceName),
                services -> services.stream().anyMatch(s -> previewSelector.equals(s.getSpec().getSelector()))
                        ? InformerWait.Check.waiting(null)
                        : InformerWait.Check.failed("Service " + serviceName + " was switched back to the previous release during the "
                                + "scale-down delay (a rollback)"),
                line -> { }).start(r.scheduler, Instant.now().plus(delay))).thenCompose(window -> act.then(() -> {
                    if (window.verdict() == InformerWait.Verdict.FAILED) {
                        r.auditOnce(record.get().outcome(Outcome.FAILED).detail("failure", window.message()), operation);
                        throw new DeploymentFailedException("promote of " + target.label() + " stopped: " + window.message()
                                + "; run rollback to finish removing the preview");
                    }
                    return CompletableFuture.completedFuture(null);
                }));
    }

    private static PromoteResult alreadyPromoted(CanaryRun r, DeploymentTarget target, CanaryState state, String environment) {
        String service = state.service() != null ? state.service() : target.name();
        AuditRecord audited = r.auditOnce(AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.stableRelease())
                .image(state.stableImage()).previousImage(state.previousImage()).outcome(Outcome.SUCCEEDED)
                .detail("container", state.container()), state.operation());
        r.progress.line("[%s] %s: already promoted to %s (release %s), nothing to change", ACT, target.label(), state.stableImage(),
                state.stableRelease());
        return new PromoteResult(target.namespace(), target.name(), environment, state.stableImage(), state.stableRelease(),
                state.previousImage(), false, audited.seq());
    }
}
