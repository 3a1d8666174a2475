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
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.release.Lifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Undoes a canary or a promote. With a canary: the stable Deployment gets its replicas back and
 * must be fully available before the canary is removed (capacity never drops; the brake,
 * {@link #zeroCanaryTraffic}, is what stops canary traffic at once). After a promote: the stable Deployment is
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
        this(new CanaryRun(client, store, origin, progress, Lifecycle.DEFAULT));
    }

    /** A rollback that reads environments from {@code lifecycle} and whose waits and lease renewals run on {@code scheduler}. */
    public CanaryRollback(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle,
                          ScheduledExecutorService scheduler) {
        this(new CanaryRun(client, store, origin, progress, lifecycle, scheduler, RunLock.TTL, Duration.ZERO));
    }

    CanaryRollback(CanaryRun run) {
        this.run = run;
    }

    /** The same, waiting up to {@code wait} for another run's lease on the Deployment instead of failing at once. */
    public CanaryRollback withLeaseWait(Duration wait) {
        return new CanaryRollback(run.withLeaseWait(wait));
    }

    /**
     * The emergency brake: the canary's traffic goes to 0 at once, without waiting and without the
     * lease, so it works while another run is busy with the Deployment. First the brake is
     * recorded on the Deployment (who, why, when; in the same write the stable Deployment gets its
     * replicas back), so a deploy or promote under way stops at its next write; then the canary
     * leaves the routes and is scaled to 0; audited {@code TRAFFIC_ZEROED} once (applying it again
     * only makes sure traffic is still at 0). The canary stays (at 0) until a rollback removes it.
     * Nothing to do when no canary runs.
     */
    public void zeroCanaryTraffic(String namespace, String deployment, String reason) {
        DeploymentTarget target = new DeploymentTarget(run.client, Names.dnsLabel("namespace", namespace),
                Names.dnsSubdomain("deployment", deployment));
        String why = Names.nonBlank("reason", reason, "why canary traffic goes to 0, e.g. the alert that fired");
        Deployment stable = target.requireStable();
        CanaryState state = CanaryState.of(stable);
        if (!state.canaryActive()) {
            return;
        }
        Brake applied = Brake.of(stable);
        Brake brake = new Brake(run.origin.actor(), run.origin.origin(), why, Instant.now());
        target.changeStableUnleased(d -> {
            if (Brake.of(d) == null) {
                brake.writeTo(d);
            }
            if (state.stableReplicas() != null) {
                d.getSpec().setReplicas(state.stableReplicas());
            }
            return d;
        });
        TrafficRouter.forState(state, target).remove();
        boolean existed = target.scaleCanary(0);
        if (applied != null) {
            // Applied before: the first record stands; this call only made sure traffic is still at 0.
            return;
        }
        String service = state.service() != null ? state.service() : target.name();
        run.store.append(AuditEvent.builder(AuditAction.TRAFFIC_ZEROED, service).environment(state.environment())
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.release()).image(state.canaryImage())
                .previousImage(state.stableImage()).outcome(Outcome.SUCCEEDED).reason(why)
                .detail("operation", state.operation()).build(), run.origin);
        run.progress.line("[%s] %s: canary traffic at 0%%%s (%s)", ACT, target.label(), existed ? " (canary scaled to 0)" : " (no canary pods)",
                why);
    }

    /**
     * Starts a rollback as run {@code runId}: the decision, the lease, the act's record (absolute
     * deadline) and the restore of the stable Deployment are written before it returns; the wait
     * for it runs on the scheduler. Takes the brake off.
     */
    public ActHandle<RollbackResult> start(RollbackRequest request, RunId runId) {
        return begin(request, Objects.requireNonNull(runId, "runId"), null);
    }

    /** Picks up the rollback run {@code runId} started on the Deployment, with its recorded request and deadline. */
    public ActHandle<RollbackResult> resume(RunId runId, String namespace, String deployment) {
        DeploymentTarget target = new DeploymentTarget(run.client, Names.dnsLabel("namespace", namespace),
                Names.dnsSubdomain("deployment", deployment));
        ActRecord recorded = ActRecord.require(target.requireStable(), Objects.requireNonNull(runId, "runId"), ACT);
        return begin(recorded.rollbackRequest(), runId, recorded.deadline());
    }

    /** The full rollback of whatever the Deployment last did (canary or promote), audited ROLLED_BACK, under a run id of its own. */
    public RollbackResult rollback(String namespace, String deployment, String reason) {
        return rollback(new RollbackRequest(namespace, deployment, null, reason, DEFAULT_TIMEOUT));
    }

    /** Starts a rollback under a run id of its own and waits for it (tests, benchmarks, the alert watch). */
    public RollbackResult rollback(RollbackRequest request) {
        return KubeAct.join(start(request, CanaryRun.newRunId()));
    }

    private ActHandle<RollbackResult> begin(RollbackRequest request, RunId runId, Instant recordedDeadline) {
        DeploymentTarget plain = new DeploymentTarget(run.client, request.namespace(), request.deployment());
        decide(request, plain.requireStable(), plain);
        return run.launch(ACT, runId, plain, request.timeout(), recordedDeadline, ActRecord.json(request), false, false,
                held -> reconcile(request, held));
    }

    /** What a rollback restores, from the state on the Deployment; bad input when there is nothing to roll back. */
    private record Decision(CanaryState state, String container, String service, String environment, String currentImage,
                            String restoreImage, String fromImage, boolean alreadyDone) {
    }

    private Decision decide(RollbackRequest request, Deployment stable, DeploymentTarget target) {
        CanaryState state = CanaryState.of(stable);
        String container = state.container() != null ? state.container() : DeploymentTarget.container(stable, null).getName();
        String service = ServiceName.of(request.service(), state, request.deployment());
        String environment = state.environment();
        String currentImage = DeploymentTarget.imageOf(stable, container);
        String restoreImage = null;
        String fromImage = null;
        boolean alreadyDone = false;
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
            alreadyDone = true;
        } else {
            throw new InvalidInputException("deployment", request.deployment(),
                    "a Deployment with a canary or a promoted release to roll back, or a --to-release to restore (deployment "
                            + target.label() + " has neither)");
        }
        return new Decision(state, container, service, environment, currentImage, restoreImage, fromImage, alreadyDone);
    }

    /**
     * The rollback once the lease is held, in a capacity-safe order: a weighted route sends
     * everything to the stable Service at once (the stable Deployment kept all its replicas);
     * the stable Deployment gets the image to restore and its full replica count; only once it is
     * fully available does a blue/green Service switch back and the canary go.
     */
    private CompletableFuture<RollbackResult> reconcile(RollbackRequest request, CanaryRun.Held held) {
        CanaryRun r = held.run();
        DeploymentTarget target = held.target();
        Deployment stable = target.requireStable();
        Decision decision = decide(request, stable, target);
        CanaryState state = decision.state();
        if (decision.alreadyDone()) {
            return CompletableFuture.completedFuture(alreadyDone(r, target, state, decision.service(), decision.environment(),
                    decision.currentImage(), request.reason()));
        }
        String restoreImage = decision.restoreImage();
        String fromImage = decision.fromImage();
        String container = decision.container();
        String operation = state.step() == CanaryStep.ROLLING_BACK && state.operation() != null ? state.operation() : CanaryRun.newOperation();
        int replicas = state.canaryActive() && state.stableReplicas() != null ? state.stableReplicas() : DeploymentTarget.replicasOf(stable);
        CanaryState rollingBack = new CanaryState(fromImage, 0, 0, restoreImage, replicas, state.release(), state.stableRelease(),
                state.previousImage(), state.previousRelease(), CanaryStep.ROLLING_BACK, operation, state.traffic(), container,
                decision.environment(), decision.service(), state.strategy(), state.scaleDownDelay());
        boolean hadCanary = target.readCanary() != null;
        String release = ContainerImage.releaseOf(restoreImage);
        Supplier<AuditEvent.Builder> record = () -> AuditEvent.builder(AuditAction.ROLLED_BACK, decision.service())
                .environment(decision.environment()).namespace(target.namespace()).target("deployment/" + target.name()).release(release)
                .image(restoreImage).previousImage(fromImage).reason(request.reason());
        KubeAct<?> act = held.act();
        act.onAbort(reason -> r.auditAbort(record.get(), reason, operation));

        TrafficRouter router = TrafficRouter.forState(state, target);
        if (!state.blueGreen()) {
            // A weighted route: the stable side serves at full size already. The replicas router has nothing to remove.
            router.remove();
        }
        boolean autoscaled = StableAutoscaler.of(target, stable).isPresent();
        target.changeStable(held.lease().current(), d -> {
            rollingBack.writeTo(DeploymentTarget.annotations(d));
            Brake.clear(d);
            if (!autoscaled) {
                d.getSpec().setReplicas(replicas);
            }
            DeploymentTarget.container(d, container).setImage(restoreImage);
            return d;
        });
        r.progress.line("[%s] %s: restoring %s (%d replicas); the canary goes once it is fully available", ACT, target.label(),
                restoreImage, replicas);
        return r.awaitStableAvailable(act, target, act.deadline()).thenCompose(wait -> act.then(() -> {
            if (!wait.done()) {
                String why = wait.timedOut()
                        ? "the restored stable deployment was not fully available within " + Durations.format(request.timeout())
                                + " (" + wait.message() + ")"
                        : wait.message();
                r.auditOnce(record.get().outcome(Outcome.FAILED).detail("failure", why), operation);
                throw new DeploymentFailedException("rollback of " + target.label() + " to " + restoreImage + " did not complete: " + why
                        + "; re-run the rollback to resume it");
            }
            router.remove();
            target.scaleCanary(0);
            target.deleteCanary();
            r.progress.line("[%s] %s: canary traffic at 0%%", ACT, target.label());
            if (hadCanary) {
                r.progress.line("[%s] %s: canary %s removed", ACT, target.label(), target.canaryName());
            }
            CanaryState settled = rollingBack.settled(CanaryStep.ROLLED_BACK, restoreImage, release, fromImage,
                    ContainerImage.releaseOf(fromImage));
            target.changeStable(held.lease().current(), d -> {
                settled.writeTo(DeploymentTarget.annotations(d));
                return d;
            });
            AuditRecord audited = r.auditOnce(record.get().outcome(Outcome.SUCCEEDED), operation);
            r.progress.line("[%s] %s: rolled back to %s (release %s)", ACT, target.label(), restoreImage, release);
            return CompletableFuture.completedFuture(new RollbackResult(target.namespace(), target.name(), restoreImage, release, fromImage,
                    hadCanary, true, audited.seq()));
        }));
    }

    private static RollbackResult alreadyDone(CanaryRun r, DeploymentTarget target, CanaryState state, String service,
                                              String environment, String currentImage, String reason) {
        AuditRecord audited = r.auditOnce(AuditEvent.builder(AuditAction.ROLLED_BACK, service).environment(environment)
                .namespace(target.namespace()).target("deployment/" + target.name()).release(state.stableRelease())
                .image(currentImage).previousImage(state.previousImage()).reason(reason).outcome(Outcome.SUCCEEDED),
                state.operation());
        r.progress.line("[%s] %s: already rolled back to %s", ACT, target.label(), currentImage);
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
