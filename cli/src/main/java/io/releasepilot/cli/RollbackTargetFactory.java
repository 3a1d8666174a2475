package io.releasepilot.cli;

import io.releasepilot.engine.alert.RollbackTarget;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.ProgressListener;

/**
 * Makes the {@link RollbackTarget} that {@code rollback-on-alert} acts on. The production one
 * adapts the Kubernetes canary rollback. Another one (a test double, a simulated cluster) can be
 * registered through {@link java.util.ServiceLoader}; the command itself knows nothing of clusters.
 */
interface RollbackTargetFactory {

    /**
     * @param ctx the global options (kubeconfig, actor); all input has been validated
     */
    Opened open(CliContext ctx, AuditStore store, ProgressListener progress, String namespace, String deployment);

    /** A target holding a connection, released when the command ends. */
    interface Opened extends RollbackTarget, AutoCloseable {
        @Override
        void close();
    }
}
