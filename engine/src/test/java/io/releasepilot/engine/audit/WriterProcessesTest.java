package io.releasepilot.engine.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real writer processes on one embedded store: in parallel, and killed with SIGKILL again and again. */
class WriterProcessesTest {

    @TempDir
    Path dir;

    @Test
    void separateProcessesAppendingToOneStoreKeepOneUnbrokenChain() throws Exception {
        Path store = dir.resolve("shared");
        ChildWriters writers = new ChildWriters();
        List<ChildWriters.Child> children = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            children.add(writers.start(store, "svc-" + i, 80));
        }
        for (ChildWriters.Child child : children) {
            assertThat(child.awaitExit()).isZero();
        }

        try (AuditStore s = AuditStores.open(new AuditStores.Config(store.toString()))) {
            Verification v = AuditVerifier.verify(s, null);
            assertThat(v.ok()).as(String.valueOf(v.problem())).isTrue();
            assertThat(v.records()).isEqualTo(240);
            assertThat(writers.acknowledged).hasSize(240);
            assertThat(writers.errors).isEmpty();
        }
    }

    /**
     * A writer process is killed with SIGKILL at a random moment while it appends, 200 times over
     * (a new one takes its place each time; most kills land between or inside appends, some while
     * it opens the store). Afterwards every record any process acknowledged is in the store with
     * the hash it was acknowledged with, and the chain verifies.
     */
    @Test
    void noAcknowledgedRecordIsLostAcrossTwoHundredKills() throws Exception {
        Path store = dir.resolve("crashing");
        int kills = Integer.getInteger("crash.kills", 200);
        ChildWriters writers = new ChildWriters();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int acknowledgedBeforeKill = 0;
        for (int kill = 1; kill <= kills; kill++) {
            ChildWriters.Child child = writers.start(store, "writer", 0);
            boolean appending = random.nextInt(10) > 0 && child.firstAck.await(30, TimeUnit.SECONDS);
            if (appending) {
                acknowledgedBeforeKill++;
            }
            Thread.sleep(random.nextInt(appending ? 100 : 600));
            child.kill();
            if (kill % 20 == 0) {
                System.out.printf("%d kills, %d acknowledged records so far%n", kill, writers.acknowledged.size());
            }
        }

        try (AuditStore s = AuditStores.open(new AuditStores.Config(store.toString()))) {
            Verification v = AuditVerifier.verify(s, null);
            assertThat(v.ok()).as(String.valueOf(v.problem())).isTrue();
            Map<Long, String> stored = new java.util.HashMap<>();
            long after = 0;
            List<AuditRecord> page;
            while (!(page = s.after(after, 10_000)).isEmpty()) {
                page.forEach(r -> stored.put(r.seq(), r.hash()));
                after = page.get(page.size() - 1).seq();
            }
            assertThat(acknowledgedBeforeKill).as("kills that landed while the writer was appending").isGreaterThan(kills / 2);
            assertThat(stored).containsAllEntriesOf(writers.acknowledged);
            assertThat(writers.errors).isEmpty();
        }
    }
}
