package io.releasepilot.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.kube.CanaryRollback;

/**
 * rollback-on-alert's production target: the Kubernetes delivery's {@link CanaryRollback}.
 * The one place where the alert watch meets the cluster.
 */
final class KubeRollbackTargets implements RollbackTargetFactory {

    @Override
    public Opened open(CliContext ctx, AuditStore store, ProgressListener progress, String namespace, String deployment) {
        KubernetesClient client = ctx.kubernetesClient();
        CanaryRollback rollback = new CanaryRollback(client, store, ctx.origin(), progress);
        return new Opened() {
            @Override
            public void zeroTraffic() {
                rollback.zeroCanaryTraffic(namespace, deployment);
            }

            @Override
            public void rollBack(String reason) {
                rollback.rollback(namespace, deployment, reason);
            }

            @Override
            public String describe() {
                return namespace + "/" + deployment;
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }
}
