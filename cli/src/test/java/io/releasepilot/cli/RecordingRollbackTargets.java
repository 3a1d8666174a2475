package io.releasepilot.cli;

import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test double of the Kubernetes rollback target, registered for the CLI tests through
 * META-INF/services: records what the command opened and asked, instead of changing a cluster.
 */
public final class RecordingRollbackTargets implements RollbackTargetFactory {

    static final List<String> CALLS = new CopyOnWriteArrayList<>();

    @Override
    public Opened open(CliContext ctx, AuditStore store, ProgressListener progress, String namespace, String deployment) {
        CALLS.add("open " + namespace + "/" + deployment);
        return new Opened() {
            @Override
            public void zeroTraffic() {
                CALLS.add("zeroTraffic");
            }

            @Override
            public void rollBack(String reason) {
                CALLS.add("rollBack " + reason);
            }

            @Override
            public String describe() {
                return namespace + "/" + deployment;
            }

            @Override
            public void close() {
                CALLS.add("close");
            }
        };
    }
}
