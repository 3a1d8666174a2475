package io.releasepilot.engine.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.Origin;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a lease left on a Deployment may be taken by another run. */
class RunLockTest {

    private static final Origin ORIGIN = new Origin("alice", "cli://build-host");

    private static RunLock heldBy(long pid, Instant expires) {
        return new RunLock("run-1", "alice", "cli://build-host", RunLock.localHost(), pid, "deployCanary", expires);
    }

    @Test
    void aFreshLockOfALiveProcessDoesNotYieldToAnotherRun() {
        RunLock held = heldBy(ProcessHandle.current().pid(), Instant.now().plusSeconds(600));
        RunLock other = new RunLock("run-2", "bob", "cli://build-host", RunLock.localHost(), -42, "promote", Instant.now().plusSeconds(60));

        assertThat(held.yieldsTo(other)).isFalse();
    }

    @Test
    void theSameRunTakesItsLockBack() {
        RunLock held = heldBy(ProcessHandle.current().pid(), Instant.now().plusSeconds(600));

        assertThat(held.yieldsTo(RunLock.mine(new RunId("run-1"), ORIGIN, "deployCanary", Duration.ofMinutes(1)))).isTrue();
    }

    @Test
    void anExpiredLockYields() {
        RunLock held = heldBy(ProcessHandle.current().pid(), Instant.now().minusSeconds(1));

        assertThat(held.yieldsTo(RunLock.mine(new RunId("run-2"), ORIGIN, "deployCanary", Duration.ofMinutes(1)))).isTrue();
    }

    @Test
    void aLockOfAProcessOnThisHostThatIsGoneYields() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        RunLock held = heldBy(finished.pid(), Instant.now().plusSeconds(600));

        assertThat(held.yieldsTo(RunLock.mine(new RunId("run-2"), ORIGIN, "deployCanary", Duration.ofMinutes(1)))).isTrue();
    }

    @Test
    void theAnnotationRoundTrips() {
        RunLock held = heldBy(1234, Instant.parse("2026-11-22T03:00:00Z"));

        assertThat(RunLock.decode(held.encode())).isEqualTo(held);
    }
}
