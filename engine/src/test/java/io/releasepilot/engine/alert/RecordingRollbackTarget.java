package io.releasepilot.engine.alert;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test double of the Kubernetes canary rollback: records what the watch asked, in order, and
 * when traffic went to 0 (nanoTime), instead of changing a cluster.
 */
final class RecordingRollbackTarget implements RollbackTarget {

    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile long trafficZeroedAtNanos;
    volatile String rollbackReason;

    @Override
    public void zeroTraffic() {
        trafficZeroedAtNanos = System.nanoTime();
        calls.add("zeroTraffic");
    }

    @Override
    public void rollBack(String reason) {
        rollbackReason = reason;
        calls.add("rollBack");
    }

    @Override
    public String describe() {
        return "shop/web";
    }
}
