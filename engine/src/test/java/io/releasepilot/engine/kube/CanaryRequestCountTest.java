package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static io.releasepilot.engine.kube.KubeFixture.promoteIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Waits are watches: the API requests an act makes do not grow with how long the rollout takes.
 * A write that loses a race with the controller (409) costs one more read and write whatever the
 * duration, so those retries are taken out of the count.
 */
class CanaryRequestCountTest {

    private static long[] requestsWithPodsReadyAfter(Duration delay) {
        try (KubeFixture k = new KubeFixture()) {
            k.cluster.createApp("web", V1, 4);
            k.cluster.controller().readyAfter(delay);
            long before = requestsBeyondRetries(k);
            k.deploy().deploy(canary("web", V2, 25));
            long deploy = requestsBeyondRetries(k) - before;
            before = requestsBeyondRetries(k);
            k.promote().promote(promoteIn("web", "INT"));
            return new long[] {deploy, requestsBeyondRetries(k) - before};
        }
    }

    private static long requestsBeyondRetries(KubeFixture k) {
        return k.cluster.dispatcher().requests() - 2 * k.cluster.dispatcher().conflicts();
    }

    @Test
    void aSlowRolloutCostsTheSameRequestsAsAFastOne() {
        long[] fast = requestsWithPodsReadyAfter(Duration.ofMillis(50));
        long[] slow = requestsWithPodsReadyAfter(Duration.ofSeconds(4));

        assertThat(slow).containsExactly(fast);
    }
}
