package io.releasepilot.engine.kube;

import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.alert.RollbackTarget;
import io.releasepilot.engine.input.Names;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What rollbackOnAlert acts on for a canary on Kubernetes: the brake first
 * ({@link CanaryRollback#zeroCanaryTraffic}), then the full rollback. The rollback runs as the
 * watch's own run (with a suffix), so a watch that resumes after a restart takes its own lease
 * back instead of waiting for itself. Hosts wire it explicitly; nothing is found on the classpath.
 */
public final class KubeRollbackTarget implements RollbackTarget {

    private final CanaryRollback rollback;
    private final String namespace;
    private final String deployment;
    private final RunId run;

    /**
     * @param run the run of the alert watch; its rollback runs as {@code <run>/rollback}
     */
    public KubeRollbackTarget(CanaryRollback rollback, String namespace, String deployment, RunId run) {
        this.rollback = Objects.requireNonNull(rollback, "rollback");
        this.namespace = Names.dnsLabel("namespace", namespace);
        this.deployment = Names.dnsSubdomain("deployment", deployment);
        this.run = new RunId(Objects.requireNonNull(run, "run").value() + "/rollback");
    }

    @Override
    public void zeroTraffic() {
        rollback.zeroCanaryTraffic(namespace, deployment, "an alert fired (rollbackOnAlert of run " + run + ")");
    }

    @Override
    public void rollBack(String reason) {
        KubeAct.join(start(reason));
    }

    /** The rollback without a thread held while the stable becomes available: the watch polls on the scheduler too. */
    @Override
    public CompletionStage<Void> startRollBack(String reason) {
        try {
            return start(reason).completion().thenApply(done -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ActHandle<RollbackResult> start(String reason) {
        return rollback.start(new RollbackRequest(namespace, deployment, null, reason, CanaryRollback.DEFAULT_TIMEOUT), run);
    }

    @Override
    public String describe() {
        return namespace + "/" + deployment;
    }
}
