package io.releasepilot.engine.kube;

import static io.releasepilot.engine.kube.KubeFixture.NS;
import static io.releasepilot.engine.kube.KubeFixture.V1;
import static io.releasepilot.engine.kube.KubeFixture.V2;
import static io.releasepilot.engine.kube.KubeFixture.canary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.LeaseConflictException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases under one JVM with many runs (a Jenkins controller): a second act on a Deployment is
 * refused naming the first, or waits for it when allowed; the lease is renewed while an act
 * waits; an interrupt stops the act, records it and releases the lease at once.
 */
class CanaryLeaseTest {

    private static final RunId FIRST = new RunId("https://jenkins.example.com/job/web/7/#17");
    private static final RunId SECOND = new RunId("https://jenkins.example.com/job/web/8/#17");

    private final KubeFixture k = new KubeFixture();

    @AfterEach
    void close() {
        k.close();
    }

    private static RollbackRequest rollbackOf(String deployment) {
        return new RollbackRequest(NS, deployment, null, "second act", CanaryRollback.DEFAULT_TIMEOUT);
    }

    private static void stopAndWait(ActHandle<?> handle) {
        handle.stop("test over");
        await().atMost(Duration.ofSeconds(30)).until(() -> handle.completion().isDone());
    }

    @Test
    void aSecondActOnTheDeploymentFromAnotherThreadIsRefusedNamingTheFirstRun() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMinutes(5));
        ActHandle<CanaryResult> first = k.deploy().start(canary("web", V2, 25), FIRST);

        CompletableFuture<ActHandle<RollbackResult>> second = CompletableFuture.supplyAsync(() -> k.rollback().start(rollbackOf("web"), SECOND));

        assertThatThrownBy(second::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(LeaseConflictException.class)
                .hasMessageContaining("deployment shop/web is held by another run: " + FIRST)
                .hasMessageContaining("deployCanary by alice from https://jenkins.example.com/job/web/7/");
        assertThat(k.state("web").step()).as("the second run changed nothing").isEqualTo(CanaryStep.CANARY_PENDING);
        stopAndWait(first);
    }

    @Test
    void withALeaseWaitTheSecondActRunsOnceTheFirstHasEnded() throws Exception {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofSeconds(1));
        ActHandle<CanaryResult> first = k.deploy().start(canary("web", V2, 25), FIRST);

        ActHandle<RollbackResult> second = k.rollback().withLeaseWait(Duration.ofSeconds(60)).start(rollbackOf("web"), SECOND);

        assertThat(first.await().changed()).isTrue();
        assertThat(second.await().rolledBack()).isEqualTo(V2);
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED SUCCEEDED", "ROLLED_BACK SUCCEEDED");
        assertThat(k.lease("web")).isNull();
    }

    @Test
    void anActWaitingForTheLeaseCanBeStoppedAndThenChangesNothing() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMinutes(5));
        ActHandle<CanaryResult> first = k.deploy().start(canary("web", V2, 25), FIRST);
        ActHandle<RollbackResult> second = k.rollback().withLeaseWait(Duration.ofMinutes(5)).start(rollbackOf("web"), SECOND);

        second.stop("the build was aborted");

        await().atMost(Duration.ofSeconds(10)).until(() -> second.completion().isDone());
        assertThatThrownBy(second.completion()::join).cause().isInstanceOf(ActCancelledException.class);
        assertThat(k.lease("web").run()).as("still the first run's").isEqualTo(FIRST.value());
        assertThat(k.state("web").step()).isEqualTo(CanaryStep.CANARY_PENDING);
        stopAndWait(first);
    }

    @Test
    void theLeaseIsRenewedWhileTheActWaitsSoItOutlivesItsTimeToLive() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMinutes(5));
        Duration ttl = Duration.ofMillis(900);
        ActHandle<CanaryResult> first = new CanaryDeploy(k.run(k.cluster.client(), ttl)).start(canary("web", V2, 25), FIRST);
        Instant firstExpiry = k.lease("web").expires();

        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(firstExpiry.plus(ttl)));

        assertThat(k.lease("web").run()).isEqualTo(FIRST.value());
        assertThat(k.lease("web").expires()).isAfter(firstExpiry);
        assertThatThrownBy(() -> k.rollback().start(rollbackOf("web"), SECOND)).isInstanceOf(LeaseConflictException.class);
        stopAndWait(first);
    }

    @Test
    void anInterruptMidWaitStopsTheActRecordsItAndReleasesTheLease() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMinutes(5));
        ActHandle<CanaryResult> act = k.deploy().start(canary("web", V2, 25), FIRST);
        Thread waiter = new Thread(() -> {
            try {
                act.await();
            } catch (InterruptedException expected) {
                // The interrupt is what this test sends.
            }
        }, "host-waiting-for-the-act");
        waiter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.WAITING);

        waiter.interrupt();

        await().atMost(Duration.ofSeconds(1)).until(() -> k.lease("web") == null);
        assertThat(act.completion()).isCompletedExceptionally();
        assertThatThrownBy(act.completion()::join).cause().isInstanceOf(ActCancelledException.class).hasMessageContaining("interrupted");
        assertThat(k.records()).extracting(r -> r.event().action() + " " + r.event().outcome())
                .containsExactly("CANARY_STARTED " + Outcome.CANCELLED);
        assertThat(k.state("web").step()).as("left as recorded: a re-run resumes it, a rollback undoes it").isEqualTo(CanaryStep.CANARY_PENDING);
    }

    @Test
    void statusNamesTheActTheDeploymentItsProgressAndTheTimeLeft() {
        k.cluster.createApp("web", V1, 4);
        k.cluster.controller().readyAfter(Duration.ofMinutes(5));
        ActHandle<CanaryResult> act = k.deploy().start(canary("web", V2, 25), FIRST);

        await().atMost(Duration.ofSeconds(10)).until(() -> act.status().contains("(0/1 ready)"));

        assertThat(act.status()).matches("deployCanary shop/web: canary at 25% \\(0/1 ready\\), \\d+s left");
        stopAndWait(act);
    }
}
