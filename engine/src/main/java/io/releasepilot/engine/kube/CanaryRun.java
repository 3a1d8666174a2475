package io.releasepilot.engine.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.LeaseConflictException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.release.GateDecision;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.engine.release.ReleaseLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the canary acts share: the cluster, the trail, who acts, where lines go, the scheduler the
 * acts' waits and lease renewals run on, how long a lease lives and how long an act may wait for
 * another run's lease.
 */
final class CanaryRun {

    /** The restart count above which a canary pod counts as crash-looping. */
    static final int RESTART_LIMIT = 3;

    final KubernetesClient client;
    final AuditStore store;
    final Origin origin;
    final ProgressListener progress;
    final Lifecycle lifecycle;
    final ScheduledExecutorService scheduler;
    final Duration leaseTtl;
    final Duration leaseWait;

    CanaryRun(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle,
              ScheduledExecutorService scheduler, Duration leaseTtl, Duration leaseWait) {
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
        this.leaseWait = Objects.requireNonNull(leaseWait, "leaseWait");
    }

    CanaryRun(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle) {
        this(client, store, origin, progress, lifecycle, ActScheduler.shared(), RunLock.TTL, Duration.ZERO);
    }

    /** The same, with a bounded wait for another run's lease. */
    CanaryRun withLeaseWait(Duration wait) {
        if (wait == null || wait.isNegative()) {
            throw new InvalidInputException("wait-for-lock", wait == null ? null : wait.toString(), "a duration such as 0s, 30s or 5m");
        }
        return new CanaryRun(client, store, origin, progress, lifecycle, scheduler, leaseTtl, wait);
    }

    /** The same, with leases living {@code ttl} (tests use a short one). */
    CanaryRun withLeaseTtl(Duration ttl) {
        return new CanaryRun(client, store, origin, progress, lifecycle, scheduler, ttl, leaseWait);
    }

    /** The same, for one act: its lines also become the act's status. */
    CanaryRun forAct(KubeAct<?> act) {
        return new CanaryRun(client, store, origin, act.console(progress), lifecycle, scheduler, leaseTtl, leaseWait);
    }

    /** A run id for an act whose caller gave none (a test, a benchmark): unique, never resumed. */
    static RunId newRunId() {
        return new RunId("engine://" + RunLock.localHost() + "/" + UUID.randomUUID());
    }

    /** How an act ended from outside is audited: CANCELLED when the host stopped it, else FAILED (the brake, a lost lease). */
    AuditRecord auditAbort(AuditEvent.Builder record, RuntimeException reason, String operation) {
        Outcome outcome = reason instanceof ActCancelledException ? Outcome.CANCELLED : Outcome.FAILED;
        return auditOnce(record.outcome(outcome).detail("failure", reason.getMessage()), operation);
    }

    /** What an act's body gets once its lease is held. */
    record Held(KubeAct<?> act, CanaryRun run, DeploymentTarget target, DeploymentTarget cleanup, LeaseKeeper lease) {
    }

    /**
     * Starts an act on a Deployment: takes the lease in one write that also records the act
     * ({@link ActRecord}: run id, absolute deadline, request), keeps the lease renewed, and runs
     * {@code body} once the lease is held: on the caller's thread when it was free, on the
     * scheduler after a wait for it. However the body ends, the lease is released.
     *
     * @param recordedDeadline the deadline a resumed act keeps; null for a new act (now + timeout)
     * @param clearsBrake      whether the first write takes the brake off (an explicit new deploy-canary)
     * @param brakeStops       whether the brake stops the act (deploy, promote; not rollback)
     * @throws LeaseConflictException when another run holds the lease and no wait was allowed
     */
    <R> KubeAct<R> launch(String actName, RunId runId, DeploymentTarget plain, Duration timeout, Instant recordedDeadline,
                          JsonNode request, boolean clearsBrake, boolean brakeStops,
                          Function<Held, CompletableFuture<R>> body) {
        Instant planned = recordedDeadline != null ? recordedDeadline : Instant.now().plus(leaseWait).plus(timeout);
        KubeAct<R> act = new KubeAct<>(actName, runId, plain.label(), planned, scheduler);
        CanaryRun actRun = forAct(act);
        LeaseKeeper lease = new LeaseKeeper(plain, RunLock.mine(runId, origin, actName, leaseTtl), scheduler, leaseTtl);
        DeploymentTarget cleanup = plain.guarded(current -> plain.checkHeld(current, lease.current()));
        DeploymentTarget target = plain.guarded(current -> {
            act.checkGoing();
            plain.checkHeld(current, lease.current());
            Brake brake = brakeStops ? Brake.of(current) : null;
            if (brake != null) {
                act.abort(brake.stopped(actName, plain.label()));
                act.checkGoing();
            }
        });
        Instant[] deadline = {planned};
        UnaryOperator<Deployment> firstWrite = d -> {
            deadline[0] = recordedDeadline != null ? recordedDeadline : Instant.now().plus(timeout);
            new ActRecord(runId.value(), actName, deadline[0], request).writeTo(d);
            if (clearsBrake) {
                Brake.clear(d);
            }
            return d;
        };
        // A wait for the lease is a wait of the act: a stop ends it.
        CompletableFuture<Void> held = act.waitFor(lease.acquireWithin(leaseWait, firstWrite,
                line -> actRun.progress.line("[%s] %s: %s", actName, plain.label(), line)));
        CompletableFuture<R> done = held.thenCompose(ignored -> {
            act.deadline(deadline[0]);
            lease.keepRenewed(current -> {
                Brake brake = brakeStops ? Brake.of(current) : null;
                if (brake != null) {
                    act.abort(brake.stopped(actName, plain.label()));
                }
            }, act::abort);
            return body.apply(new Held(act, actRun, target, cleanup, lease));
        });
        act.finish(done, lease::release);
        return act;
    }

    static String newOperation() {
        return UUID.randomUUID().toString();
    }

    /**
     * Appends the record of an act exactly once: a re-run after a crash that finds the record of
     * its operation already in the trail returns that one instead of writing a second.
     */
    AuditRecord auditOnce(AuditEvent.Builder builder, String operation) {
        AuditEvent event = builder.detail("operation", operation).build();
        List<AuditRecord> recent = store.list(new AuditFilter(event.service(), event.environment(), event.action(), null, 50));
        Optional<AuditRecord> done = recent.stream()
                .filter(r -> operation.equals(r.event().details().get("operation")) && r.event().outcome() == event.outcome())
                .findFirst();
        return done.orElseGet(() -> store.append(event, origin));
    }

    /**
     * Enforces the lifecycle, before anything changes: {@code image} may enter {@code environment}
     * only if it was promoted in the environment before. A denial is audited (GATE_DENIED) and fails
     * the act. A hotfix with a reason passes; the returned decision is then recorded as HOTFIX by
     * {@link #recordHotfix} once the act holds the Deployment.
     */
    GateDecision gate(String act, String service, String environment, String namespace, String target, String image, String release,
                      boolean hotfix) {
        GateDecision decision = new ReleaseLedger(store, lifecycle).mayEnter(service, image, environment);
        if (decision.allowed() || hotfix) {
            return decision;
        }
        store.append(AuditEvent.builder(AuditAction.GATE_DENIED, service).environment(environment).namespace(namespace)
                .target(target).release(release).image(image).outcome(Outcome.DENIED).reason(decision.reason())
                .detail("act", act).build(), origin);
        progress.line("[%s] %s: denied by the lifecycle gate: %s", act, namespace + "/" + target(target), decision.reason());
        throw new DeploymentFailedException(act + " denied: " + decision.reason()
                + " (promote it there first, or pass hotfix with a reason)");
    }

    /** Records, once per operation, that a hotfix passed a gate that would have denied it. */
    void recordHotfix(GateDecision decision, String act, String service, String environment, String namespace, String target,
                      String image, String release, String reason, String operation) {
        if (decision.allowed()) {
            return;
        }
        auditOnce(AuditEvent.builder(AuditAction.HOTFIX, service).environment(environment).namespace(namespace)
                .target(target).release(release).image(image).outcome(Outcome.SUCCEEDED).reason(reason)
                .detail("act", act).detail("bypassedGate", decision.reason()), operation);
        progress.line("[%s] %s: HOTFIX past the lifecycle gate (%s): %s", act, namespace + "/" + target(target), decision.reason(), reason);
    }

    private static String target(String target) {
        return target.startsWith("deployment/") ? target.substring("deployment/".length()) : target;
    }

    /** The environment an act is in: given, else recorded on the Deployment, else the lifecycle's first. */
    String environment(String given, CanaryState state) {
        if (given != null) {
            return lifecycle.requireKnown(given);
        }
        if (state.environment() != null) {
            return state.environment();
        }
        return lifecycle.first();
    }

    /**
     * Waits until {@code wanted} pods of the canary run {@code image} and are ready; fails early
     * when one of them restarts more than {@link #RESTART_LIMIT} times.
     */
    CompletableFuture<InformerWait.Result> awaitCanaryReady(KubeAct<?> act, DeploymentTarget target, java.util.Map<String, String> podLabels,
                                                            String container, String image, int wanted, Instant deadline, int weight) {
        String label = target.label();
        return act.waitFor(new InformerWait<Pod>(
                client.pods().inNamespace(target.namespace()).withLabels(podLabels),
                pods -> PodChecks.canaryReadiness(pods, container, image, wanted, RESTART_LIMIT),
                line -> progress.line("[%s] %s: canary at %d%% (%s)", act.act(), label, weight, line)).start(scheduler, deadline));
    }

    /** Waits until the stable Deployment has rolled out completely: every replica updated and available. */
    CompletableFuture<InformerWait.Result> awaitStableAvailable(KubeAct<?> act, DeploymentTarget target, Instant deadline) {
        String label = target.label();
        return act.waitFor(new InformerWait<Deployment>(
                client.apps().deployments().inNamespace(target.namespace()).withField("metadata.name", target.name()),
                deployments -> PodChecks.fullyAvailable(deployments, target.name()),
                line -> progress.line("[%s] %s: stable %s", act.act(), label, line)).start(scheduler, deadline));
    }
}
