package io.releasepilot.engine.audit;

import static io.releasepilot.engine.audit.AuditFixtures.ORIGIN;
import static io.releasepilot.engine.audit.AuditFixtures.canary;
import static io.releasepilot.engine.audit.AuditFixtures.digest;
import static io.releasepilot.engine.audit.AuditFixtures.note;
import static io.releasepilot.engine.audit.AuditFixtures.promoted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.act.RunId;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The behaviour every audit store must have; run against embedded H2 and a real PostgreSQL. */
abstract class AuditStoreContract {

    /** A new, empty store. */
    abstract AuditStore newStore(CheckpointSigner signer);

    AuditStore newStore() {
        return newStore(null);
    }

    @Test
    void aStoreOpensAndMigratesWhenTheThreadsContextClassLoaderSeesNothingOfTheEngine() throws Exception {
        // Given a thread whose context loader is not the engine's, as on a Jenkins controller
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            thread.setContextClassLoader(empty);

            // When a store is opened there, Then its migrations ran and its tables work
            try (AuditStore store = newStore()) {
                store.append(note("web", "INT", "opened"), ORIGIN);
                store.actState().save(new RunId("job/web/1/#3"), "{}");
                assertThat(store.lastStoredSeq()).isEqualTo(1);
                assertThat(store.actState().load(new RunId("job/web/1/#3"))).contains("{}");
            }
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void actStateSavedForARunIsLoadedBackAsSaved() {
        try (AuditStore store = newStore()) {
            RunId run = new RunId("https://jenkins.example.com/job/web/42/#17");

            store.actState().save(run, "{\"observations\":3}");

            assertThat(store.actState().load(run)).contains("{\"observations\":3}");
            assertThat(store.actState().load(new RunId("https://jenkins.example.com/job/web/43/#17"))).isEmpty();
        }
    }

    @Test
    void actStateSavedAgainReplacesWhatWasThere() {
        try (AuditStore store = newStore()) {
            RunId run = new RunId("cli://host/123@2026-12-01T00:00:00Z");
            store.actState().save(run, "{\"observations\":1}");

            store.actState().save(run, "{\"observations\":2}");

            assertThat(store.actState().load(run)).contains("{\"observations\":2}");
        }
    }

    @Test
    void actStateRemovedIsGone() {
        try (AuditStore store = newStore()) {
            RunId run = new RunId("cli://host/1@x");
            store.actState().save(run, "{}");

            store.actState().remove(run);

            assertThat(store.actState().load(run)).isEmpty();
        }
    }

    @Test
    void actStateIsNoPartOfTheChain() {
        try (AuditStore store = newStore()) {
            store.append(note("web", "INT", "one"), ORIGIN);
            AuditStore.ChainHead head = store.head();

            store.actState().save(new RunId("cli://host/1@x"), "{}");

            assertThat(store.head()).isEqualTo(head);
            assertThat(AuditVerifier.verify(store, null).ok()).isTrue();
        }
    }

    @Test
    void appendChainsEachRecordToTheOneBefore() {
        try (AuditStore store = newStore()) {
            AuditRecord first = store.append(note("web", "INT", "one"), ORIGIN);
            AuditRecord second = store.append(note("web", "INT", "two"), ORIGIN);

            assertThat(first.seq()).isEqualTo(1);
            assertThat(first.prevHash()).isEqualTo(AuditChain.GENESIS);
            assertThat(second.seq()).isEqualTo(2);
            assertThat(second.prevHash()).isEqualTo(first.hash());
            assertThat(store.head()).isEqualTo(new AuditStore.ChainHead(2, second.hash()));
        }
    }

    @Test
    void storedRecordsReadBackExactlyAsAppended() {
        try (AuditStore store = newStore()) {
            AuditEvent event = AuditEvent.builder(AuditAction.PROMOTED, "web").environment("prod").namespace("shop")
                    .target("deployment/web").release("1.4.2").image(digest(1)).previousImage(digest(0))
                    .reason("weekly \"release\" — ünïcode ✓ \u202Eevil").detail("build", "42").detail("weight", 100).build();
            AuditRecord appended = store.append(event, ORIGIN);

            AuditRecord read = store.after(0, 10).get(0);

            assertThat(read).isEqualTo(appended);
            assertThat(read.event().environment()).isEqualTo("PROD");
            assertThat(AuditChain.expectedHash(read)).isEqualTo(read.hash());
        }
    }

    @Test
    void appendAllIsOneChainedRunInOrder() {
        try (AuditStore store = newStore()) {
            store.append(note("web", "INT", "before"), ORIGIN);
            List<AuditRecord> run = store.appendAll(List.of(note("a", "INT", "1"), note("b", "INT", "2"), note("c", "INT", "3")), ORIGIN);

            assertThat(run).extracting(AuditRecord::seq).containsExactly(2L, 3L, 4L);
            assertThat(AuditVerifier.verify(store, null).ok()).isTrue();
        }
    }

    @Test
    void listFiltersByServiceEnvironmentActionAndTimeNewestFirst() {
        try (AuditStore store = newStore()) {
            store.append(note("web", "INT", "n1"), ORIGIN);
            store.append(promoted("web", "INT", digest(1), "1"), ORIGIN);
            store.append(promoted("api", "INT", digest(2), "1"), ORIGIN);
            store.append(promoted("web", "UAT", digest(1), "1"), ORIGIN);

            assertThat(store.list(new AuditFilter("web", null, null, null, 10))).extracting(AuditRecord::seq).containsExactly(4L, 2L, 1L);
            assertThat(store.list(new AuditFilter(null, "int", AuditAction.PROMOTED, null, 10))).extracting(AuditRecord::seq)
                    .containsExactly(3L, 2L);
            assertThat(store.list(new AuditFilter(null, null, null, null, 2))).extracting(AuditRecord::seq).containsExactly(4L, 3L);
            assertThat(store.list(new AuditFilter(null, null, null, Instant.now().plusSeconds(60), 10))).isEmpty();
        }
    }

    @Test
    void historyPagesOneServiceBackwardsBySeq() {
        try (AuditStore store = newStore()) {
            for (int i = 0; i < 7; i++) {
                store.append(note("web", "INT", "w" + i), ORIGIN);
                store.append(note("api", "INT", "a" + i), ORIGIN);
            }
            List<AuditRecord> page1 = store.history("web", null, 3);
            List<AuditRecord> page2 = store.history("web", page1.get(2).seq(), 3);

            assertThat(page1).extracting(r -> r.event().reason()).containsExactly("w6", "w5", "w4");
            assertThat(page2).extracting(r -> r.event().reason()).containsExactly("w3", "w2", "w1");
        }
    }

    @Test
    void feedReturnsRecordsAfterAGivenSeqOldestFirst() {
        try (AuditStore store = newStore()) {
            for (int i = 1; i <= 5; i++) {
                store.append(note("web", "INT", "n" + i), ORIGIN);
            }
            assertThat(store.after(3, 10)).extracting(AuditRecord::seq).containsExactly(4L, 5L);
            assertThat(store.after(5, 10)).isEmpty();
        }
    }

    @Test
    void cellsTrackStableAndCanaryPerServiceAndEnvironment() {
        try (AuditStore store = newStore()) {
            AuditRecord stable = store.append(promoted("web", "PROD", digest(1), "1.0"), ORIGIN);
            AuditRecord canary = store.append(canary("web", "PROD", digest(2), digest(1), 20), ORIGIN);
            AuditRecord noteRecord = store.append(note("web", "PROD", "watching"), ORIGIN);
            store.append(promoted("api", "INT", digest(3), "2.0"), ORIGIN);

            List<AuditStore.Cell> cells = store.cells();

            assertThat(cells).hasSize(2);
            AuditStore.Cell web = cells.stream().filter(c -> c.service().equals("web")).findFirst().orElseThrow();
            assertThat(web.stable()).isEqualTo(stable);
            assertThat(web.canary()).isEqualTo(canary);
            assertThat(web.last()).isEqualTo(noteRecord);
        }
    }

    @Test
    void aPromoteOrRollbackEndsTheCanaryOfItsCell() {
        try (AuditStore store = newStore()) {
            store.append(promoted("web", "PROD", digest(1), "1.0"), ORIGIN);
            store.append(canary("web", "PROD", digest(2), digest(1), 20), ORIGIN);
            AuditRecord rolledBack = store.append(AuditEvent.builder(AuditAction.ROLLED_BACK, "web").environment("PROD")
                    .image(digest(1)).previousImage(digest(2)).reason("alert HighErrorRate").build(), ORIGIN);

            AuditStore.Cell web = store.cells().get(0);

            assertThat(web.canary()).isNull();
            assertThat(web.stable()).isEqualTo(rolledBack);
        }
    }

    @Test
    void aFailedActDoesNotChangeWhatRuns() {
        try (AuditStore store = newStore()) {
            AuditRecord stable = store.append(promoted("web", "PROD", digest(1), "1.0"), ORIGIN);
            AuditRecord failed = store.append(AuditEvent.builder(AuditAction.PROMOTED, "web").environment("PROD").image(digest(2))
                    .outcome(Outcome.FAILED).reason("progress deadline exceeded").build(), ORIGIN);

            AuditStore.Cell web = store.cells().get(0);

            assertThat(web.stable()).isEqualTo(stable);
            assertThat(web.last()).isEqualTo(failed);
        }
    }

    @Test
    void latestFindsOnlySuccessfulRecordsOfThatActionServiceEnvironmentAndDigest() {
        try (AuditStore store = newStore()) {
            String d1 = digest(1).substring(digest(1).indexOf('@') + 1);
            store.append(AuditEvent.builder(AuditAction.PROMOTED, "web").environment("INT").image(digest(1))
                    .outcome(Outcome.FAILED).build(), ORIGIN);
            assertThat(store.latest(AuditAction.PROMOTED, "web", "INT", d1)).isEmpty();

            AuditRecord ok = store.append(promoted("web", "INT", digest(1), "1"), ORIGIN);

            assertThat(store.latest(AuditAction.PROMOTED, "web", "INT", d1)).contains(ok);
            assertThat(store.latest(AuditAction.PROMOTED, "web", "UAT", d1)).isEmpty();
            assertThat(store.latest(AuditAction.PROMOTED, "api", "INT", d1)).isEmpty();
            assertThat(store.latest(AuditAction.PROMOTED, "web", "INT", digest(2).substring(digest(2).indexOf('@') + 1))).isEmpty();
        }
    }

    @Test
    void aCheckpointIsSignedEveryIntervalRecords() {
        CheckpointSigner signer = new CheckpointSigner(CheckpointKeys.generate().getPrivate(), 3);
        try (AuditStore store = newStore(signer)) {
            for (int i = 0; i < 7; i++) {
                store.append(note("web", "INT", "n" + i), ORIGIN);
            }
            assertThat(store.checkpoints()).extracting(Checkpoint::seq).containsExactly(3L, 6L);
            Verification v = AuditVerifier.verify(store, signer.publicKey());
            assertThat(v.ok()).isTrue();
            assertThat(v.signaturesVerified()).isEqualTo(2);
        }
    }

    @Test
    void anOnDemandCheckpointCoversTheHeadAndIsNotRepeated() {
        CheckpointSigner signer = new CheckpointSigner(CheckpointKeys.generate().getPrivate(), 1000);
        try (AuditStore store = newStore(signer)) {
            AuditRecord last = store.append(note("web", "INT", "n"), ORIGIN);

            Checkpoint first = store.checkpoint();
            Checkpoint again = store.checkpoint();

            assertThat(first.seq()).isEqualTo(last.seq());
            assertThat(first.hash()).isEqualTo(last.hash());
            assertThat(again).isEqualTo(first);
            assertThat(store.checkpoints()).hasSize(1);
        }
    }

    @Test
    void aCheckpointWithoutASigningKeyIsRefused() {
        try (AuditStore store = newStore()) {
            assertThatThrownBy(store::checkpoint).hasMessageContaining("no checkpoint signing key");
        }
    }

    @Test
    void eightWritersAtOnceNeverForkOrLoseTheChain() throws Exception {
        int writers = 8;
        int each = 60;
        try (AuditStore store = newStore()) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<AuditRecord>>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String service = "svc-" + w;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<AuditRecord> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(store.append(note(service, "INT", "n" + i), ORIGIN));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>());
            for (Future<List<AuditRecord>> f : futures) {
                f.get(120, TimeUnit.SECONDS).forEach(r -> acknowledged.add(r.seq()));
            }
            pool.shutdown();

            Verification v = AuditVerifier.verify(store, null);
            assertThat(v.ok()).as(String.valueOf(v.problem())).isTrue();
            assertThat(v.records()).isEqualTo((long) writers * each);
            assertThat(acknowledged).doesNotHaveDuplicates().hasSize(writers * each);
        }
    }
}
