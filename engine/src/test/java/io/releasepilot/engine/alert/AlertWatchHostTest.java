package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActCancelledException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.HostBody;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch as a host (a Jenkins controller) drives it: a body of its own, a stop, a restart in
 * the middle. The alert source is a scripted test double and the rollback target records what it
 * was asked; the store is a real SQLite store, where the watch's state lives.
 */
class AlertWatchHostTest {

    static final Origin ORIGIN = new Origin("tester", "https://jenkins.example.com/job/web/42/");
    static final FiringAlert HIGH_ERROR_RATE = new FiringAlert("HighErrorRate", new java.util.TreeMap<>(Map.of("service", "web",
            "track", "canary")), "0.5", Instant.parse("2026-12-01T23:00:00Z"));

    @TempDir
    Path dir;
    AuditStore store;
    final RecordingRollbackTarget target = new RecordingRollbackTarget();
    final RecordingProgress progress = new RecordingProgress();
    final RunId run = new RunId("https://jenkins.example.com/job/web/42/#" + UUID.randomUUID());
    final List<ScheduledExecutorService> schedulers = new ArrayList<>();

    @BeforeEach
    void openStore() {
        store = AuditStores.open(new AuditStores.Config(dir.resolve("audit").toString()));
    }

    @AfterEach
    void close() {
        schedulers.forEach(ScheduledExecutorService::shutdownNow);
        store.close();
    }

    ScheduledExecutorService controller() {
        ScheduledExecutorService s = ActScheduler.create("test-controller", 1);
        schedulers.add(s);
        return s;
    }

    AlertWatch service() {
        return new AlertWatch(store, ORIGIN, progress).withScheduler(controller());
    }

    WatchRequest request(AlertSource source, WatchOptions options) {
        return new WatchRequest(source, options, new WatchSubject(null, "PROD", "shop", "web"), target);
    }

    static WatchOptions longWindow(int failureLimit) {
        return new WatchOptions(Duration.ofHours(2), Duration.ofHours(1), failureLimit, OnError.FAIL, 3);
    }

    @Test
    void anAlertDuringTheHostsBodyStopsItRollsBackAndFailsNamingTheAlertItsLabelsAndSince() {
        RecordingBody body = new RecordingBody();

        ActHandle<WatchReport> handle = service().guard(request(new ScriptedSource(true), longWindow(1)), run, body);

        assertThatThrownBy(() -> handle.completion().join()).cause()
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessage("rolled back shop/web: alert HighErrorRate{service=\"web\", track=\"canary\"} firing since 2026-12-01T23:00:00Z"
                        + " (value 0.5)");
        assertThat(body.stopCause).isInstanceOf(DeploymentFailedException.class).hasMessageContaining("HighErrorRate{service=\"web\"");
        assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
    }

    @Test
    void theHostsBodyFinishingEndsTheWatchWithItsResult() {
        RecordingBody body = new RecordingBody();
        ScriptedSource quiet = new ScriptedSource(false);
        ActHandle<WatchReport> handle = service().guard(request(quiet, longWindow(1)), run, body);
        await().atMost(Duration.ofSeconds(10)).until(() -> quiet.calls.get() >= 1);

        body.completion.complete("smoke tests passed");

        assertThat(handle.completion().join().bodyResult()).isEqualTo("smoke tests passed");
        assertThat(target.calls).isEmpty();
        assertThat(body.stopCause).isNull();
    }

    @Test
    void theHostsBodyFailingEndsTheWatchWithThatFailureAndNoRollback() {
        RecordingBody body = new RecordingBody();
        ActHandle<WatchReport> handle = service().guard(request(new ScriptedSource(false), longWindow(1)), run, body);
        IllegalStateException failure = new IllegalStateException("step failed: exit 2");

        body.completion.completeExceptionally(failure);

        assertThatThrownBy(() -> handle.completion().join()).cause().isSameAs(failure);
        assertThat(target.calls).isEmpty();
    }

    @Test
    void aRequestTheSourceRejectsStopsTheBodyBeforeTheHostStartsIt() {
        RecordingBody body = new RecordingBody();
        AlertSource rejecting = new ScriptedSource(false) {
            @Override
            public void check() {
                throw new InvalidInputException("promql", "rate(", "an expression Prometheus accepts");
            }
        };

        assertThatThrownBy(() -> service().guard(request(rejecting, longWindow(1)), run, body)).isInstanceOf(InvalidInputException.class);
        assertThat(body.stopCause).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void stoppingAWatchStopsTheBodyRecordsCancelledAndRollsNothingBack() {
        RecordingBody body = new RecordingBody();
        ActHandle<WatchReport> handle = service().guard(request(new ScriptedSource(false), longWindow(1)), run, body);

        handle.stop("aborted by alice");

        assertThatThrownBy(() -> handle.completion().join()).cause().isInstanceOf(ActCancelledException.class)
                .hasMessageContaining("aborted by alice");
        assertThat(body.stopCause).isInstanceOf(ActCancelledException.class);
        assertThat(target.calls).isEmpty();
        AuditRecord record = store.list(new AuditFilter(null, null, AuditAction.NOTE, null, 10)).get(0);
        assertThat(record.event().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(record.event().reason()).isEqualTo("rollbackOnAlert stopped: aborted by alice");
    }

    @Test
    void aWatchResumedAfterARestartKeepsItsDeadlineAndItsFiringCount() {
        // Given a watch that saw the alert twice of three, on a controller that then died
        ScriptedSource firing = new ScriptedSource(true);
        WatchRequest request = request(firing, longWindow(3));
        Wakeup wakeup = new Wakeup();
        ScheduledExecutorService dying = controller();
        ActHandle<WatchReport> before = new AlertWatch(store, ORIGIN, progress).withScheduler(dying).withWakeup(wakeup).start(request, run);
        await().atMost(Duration.ofSeconds(10)).until(() -> recorded().contains("\"firingInARow\":1"));
        wakeup.wake();
        await().atMost(Duration.ofSeconds(10)).until(() -> recorded().contains("\"firingInARow\":2"));
        dying.shutdownNow();

        // When new engine objects resume the same run id
        ActHandle<WatchReport> after = service().resume(request, run);

        // Then the third firing observation, the first after the restart, rolls back, within the same window
        assertThatThrownBy(() -> after.completion().join()).cause().isInstanceOf(DeploymentFailedException.class);
        assertThat(after.deadline()).isEqualTo(before.deadline());
        assertThat(firing.calls.get()).isEqualTo(3);
        assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
        assertThat(progress.text()).contains("resuming the watch started at");
    }

    @Test
    void aGuardResumedAfterARestartStopsTheHostsResumedBodyWhenTheAlertFires() {
        // Given a guard that saw the alert once of two, on a controller that then died
        ScriptedSource firing = new ScriptedSource(true);
        WatchRequest request = request(firing, longWindow(2));
        ScheduledExecutorService dying = controller();
        new AlertWatch(store, ORIGIN, progress).withScheduler(dying).guard(request, run, new RecordingBody());
        await().atMost(Duration.ofSeconds(10)).until(() -> recorded().contains("\"firingInARow\":1"));
        dying.shutdownNow();
        RecordingBody resumedBody = new RecordingBody();

        // When new engine objects resume the guard with the host's resumed body
        ActHandle<WatchReport> after = service().resumeGuard(request, run, resumedBody);

        // Then the second firing observation stops that body and rolls back
        assertThatThrownBy(() -> after.completion().join()).cause().isInstanceOf(DeploymentFailedException.class);
        assertThat(resumedBody.stopCause).isInstanceOf(DeploymentFailedException.class).hasMessageContaining("HighErrorRate");
        assertThat(firing.calls.get()).isEqualTo(2);
    }

    @Test
    void aWatchThatEndedResumesToTheSameEnd() throws Exception {
        WatchRequest request = request(new ScriptedSource(false), new WatchOptions(Duration.ofMillis(300), Duration.ofMillis(100), 1,
                OnError.FAIL, 3));
        WatchReport ended = service().start(request, run).await();

        WatchReport again = service().resume(request, run).await();

        assertThat(again.observations()).isEqualTo(ended.observations());
        assertThat(target.calls).isEmpty();
    }

    @Test
    void resumingARunIdThatNeverStartedIsInvalidInputNamingIt() {
        assertThatThrownBy(() -> service().resume(request(new ScriptedSource(false), longWindow(1)), run))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(run.value());
    }

    @Test
    void aRunIdRecordedForAnotherWatchIsRefused() {
        service().start(request(new ScriptedSource(false), longWindow(1)), run);
        WatchRequest other = new WatchRequest(new ScriptedSource(false), longWindow(1), new WatchSubject(null, "PROD", "shop", "api"), target);

        assertThatThrownBy(() -> service().resume(other, run)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("it was recorded for a watch of");
    }

    @Test
    void aRunIdRecordedByAnotherKindOfActIsRefusedNamingIt() {
        store.actState().save(run, "{\"kind\":\"dbSnapshot-rds\",\"snapshotId\":\"rp-orders-1\"}");

        assertThatThrownBy(() -> service().start(request(new ScriptedSource(false), longWindow(1)), run))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("it was recorded for dbSnapshot-rds");
    }

    @Test
    void aHundredWaitingWatchesShareOneSchedulerThread() {
        ScheduledExecutorService oneThread = controller();
        AlertWatch service = new AlertWatch(store, ORIGIN, progress).withScheduler(oneThread);
        ScriptedSource quiet = new ScriptedSource(false);
        List<ActHandle<WatchReport>> handles = new ArrayList<>();

        for (int i = 0; i < 100; i++) {
            handles.add(service.start(request(quiet, longWindow(1)), new RunId(run.value() + "-" + i)));
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> quiet.calls.get() == 100);
        assertThat(handles).noneMatch(h -> h.completion().isDone());
        assertThat(handles.get(0).status()).startsWith("rollbackOnAlert shop/web: 1 observation(s), no selected alert firing, ");
    }

    private String recorded() {
        return store.actState().load(run).orElse("");
    }

    /** A source that answers each observation the same: the alert firing, or nothing. */
    static class ScriptedSource implements AlertSource {
        final AtomicInteger calls = new AtomicInteger();
        private final boolean firing;

        ScriptedSource(boolean firing) {
            this.firing = firing;
        }

        @Override
        public String describe() {
            return "scripted source";
        }

        @Override
        public List<FiringAlert> firing() {
            calls.incrementAndGet();
            return firing ? List.of(HIGH_ERROR_RATE) : List.of();
        }
    }

    /** The host's body as the watch sees it: a future the test completes, and what stopped it. */
    static final class RecordingBody implements HostBody {
        final CompletableFuture<Object> completion = new CompletableFuture<>();
        volatile Throwable stopCause;

        @Override
        public CompletionStage<?> completion() {
            return completion;
        }

        @Override
        public void stop(Throwable cause) {
            stopCause = cause;
            completion.completeExceptionally(new CompletionException(cause));
        }
    }
}
