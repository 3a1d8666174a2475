package io.releasepilot.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
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
        requireDeployment(client, namespace, deployment);
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

    /** A watch over a Deployment that is not there would roll back nothing when the alert fires: refused before it starts. */
    private static void requireDeployment(KubernetesClient client, String namespace, String deployment) {
        boolean exists;
        try {
            exists = client.apps().deployments().inNamespace(namespace).withName(deployment).get() != null;
        } catch (KubernetesClientException e) {
            client.close();
            throw new EnvironmentException("cannot read deployment " + namespace + "/" + deployment + " at " + client.getMasterUrl()
                    + ": " + e.getMessage(), e);
        }
        if (!exists) {
            client.close();
            throw new InvalidInputException("deployment", deployment, "an existing Deployment in namespace " + namespace);
        }
    }
}
