package io.releasepilot.cli;

import io.releasepilot.engine.alert.RollbackTarget;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import java.nio.file.Path;

/**
 * Makes the {@link RollbackTarget} that {@code rollback-on-alert} acts on. The production one
 * adapts the Kubernetes canary rollback; it is found with {@link java.util.ServiceLoader}, so the
 * command itself knows nothing of clusters.
 */
public interface RollbackTargetFactory {

    /**
     * @param kubeconfig the {@code --kubeconfig} given, or null for the default (env KUBECONFIG, ~/.kube/config)
     */
    Opened open(Path kubeconfig, AuditStore store, Origin origin, ProgressListener progress, String namespace, String deployment);

    /** A target holding a connection, released when the command ends. */
    interface Opened extends RollbackTarget, AutoCloseable {
        @Override
        void close();
    }
}
