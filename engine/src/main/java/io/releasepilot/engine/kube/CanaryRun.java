package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.DeploymentFailedException;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What the canary acts share: the cluster, the trail, who acts, where lines go, and the run id
 * that names this run in the lock. A resumed run (e.g. a Jenkins execution after a restart)
 * passes the id it had, so it takes its own lock back.
 */
final class CanaryRun {

    /** The restart count above which a canary pod counts as crash-looping. */
    static final int RESTART_LIMIT = 3;

    final KubernetesClient client;
    final AuditStore store;
    final Origin origin;
    final ProgressListener progress;
    final Lifecycle lifecycle;
    final String runId;

    CanaryRun(KubernetesClient client, AuditStore store, Origin origin, ProgressListener progress, Lifecycle lifecycle, String runId) {
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.runId = runId == null ? UUID.randomUUID().toString() : runId;
    }

    RunLock lock(String act, Duration ttl) {
        return RunLock.mine(runId, origin, act, ttl);
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
    InformerWait.Result awaitCanaryReady(DeploymentTarget target, java.util.Map<String, String> podLabels, String container, String image,
                                         int wanted, Duration timeout, String act, int weight) {
        String label = target.label();
        return new InformerWait<Pod>(
                client.pods().inNamespace(target.namespace()).withLabels(podLabels),
                pods -> PodChecks.canaryReadiness(pods, container, image, wanted, RESTART_LIMIT),
                timeout,
                line -> progress.line("[%s] %s: canary at %d%% (%s)", act, label, weight, line)).await();
    }

    /** Waits until the stable Deployment has rolled out completely: every replica updated and available. */
    InformerWait.Result awaitStableAvailable(DeploymentTarget target, Duration timeout, String act) {
        String label = target.label();
        return new InformerWait<Deployment>(
                client.apps().deployments().inNamespace(target.namespace()).withField("metadata.name", target.name()),
                deployments -> PodChecks.fullyAvailable(deployments, target.name()),
                timeout,
                line -> progress.line("[%s] %s: stable %s", act, label, line)).await();
    }
}
