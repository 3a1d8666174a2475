package io.releasepilot.engine.audit;

import static io.releasepilot.engine.audit.AuditFixtures.ORIGIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Any edit, deletion, insertion or reordering of stored records is detected by verify. */
class TamperDetectionProperties {

    private static final List<String> COLUMNS = List.of("actor", "origin", "service", "environment", "reason", "release_name",
            "image", "target", "namespace", "details", "time_ms", "action", "outcome", "hash", "prev_hash");

    @Provide
    Arbitrary<AuditEvent> events() {
        Arbitrary<String> services = Arbitraries.of("web", "api", "worker", "nginx");
        Arbitrary<String> environments = Arbitraries.of("INT", "UAT", "PROD");
        Arbitrary<AuditAction> actions = Arbitraries.of(AuditAction.class);
        Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(40);
        return Combinators.combine(actions, services, environments, text, text).as((action, service, env, reason, release) ->
                AuditEvent.builder(action, service).environment(env).reason(reason).release(release)
                        .image("r.example.com/" + service + "@sha256:" + "a".repeat(64)).detail("note", reason).build());
    }

    /** A store holding the given events, and the URL to operate on it behind its back. */
    private record Fixture(AuditStore store, String url) {
    }

    private static Fixture storeWith(List<AuditEvent> events) {
        String url = "jdbc:h2:mem:tamper-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        AuditStore store = AuditStores.open(new AuditStores.Config(url));
        for (AuditEvent e : events) {
            store.append(e, ORIGIN);
        }
        return new Fixture(store, url);
    }

    @Property(tries = 30)
    void anUntouchedStoreVerifies(@ForAll("eventLists") List<AuditEvent> events) {
        Fixture f = storeWith(events);
        try (AuditStore store = f.store()) {
            Verification v = AuditVerifier.verify(store, null);
            assertThat(v.ok()).as(String.valueOf(v.problem())).isTrue();
            assertThat(v.records()).isEqualTo(events.size());
        }
    }

    @Property(tries = 80)
    void editingAnyColumnOfAnyRecordIsDetectedAtThatRecord(@ForAll("eventLists") List<AuditEvent> events,
                                                          @ForAll @IntRange(min = 0, max = 1000) int pick,
                                                          @ForAll @IntRange(min = 0, max = 1000) int columnPick) throws Exception {
        Fixture f = storeWith(events);
        long seq = 1 + pick % events.size();
        String column = COLUMNS.get(columnPick % COLUMNS.size());
        try (AuditStore store = f.store(); StoreSurgery surgery = new StoreSurgery(f.url())) {
            AuditRecord before = store.after(seq - 1, 1).get(0);
            surgery.update("UPDATE audit_record SET " + column + " = ? WHERE seq = ?", changedValue(column, before), seq);

            Verification v = AuditVerifier.verify(store, null);

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().seq()).isEqualTo(seq);
            assertThat(v.problem().kind()).isIn(Verification.Kind.HASH, Verification.Kind.LINK);
        }
    }

    private static Object changedValue(String column, AuditRecord r) {
        AuditEvent e = r.event();
        return switch (column) {
            case "time_ms" -> r.time().toEpochMilli() + 1;
            case "action" -> e.action() == AuditAction.NOTE ? "PROMOTED" : "NOTE";
            case "outcome" -> e.outcome() == Outcome.SUCCEEDED ? "FAILED" : "SUCCEEDED";
            case "environment" -> "UAT".equals(e.environment()) ? "PROD" : "UAT";
            case "details" -> "{\"note\":\"forged\"}";
            case "hash", "prev_hash" -> "f".repeat(64);
            case "service" -> e.service().equals("web") ? "api" : "web";
            default -> "forged-" + column;
        };
    }

    @Property(tries = 50)
    void deletingAnyRecordIsDetected(@ForAll("eventLists") List<AuditEvent> events,
                                     @ForAll @IntRange(min = 0, max = 1000) int pick) throws Exception {
        Fixture f = storeWith(events);
        long seq = 1 + pick % events.size();
        try (AuditStore store = f.store(); StoreSurgery surgery = new StoreSurgery(f.url())) {
            surgery.update("DELETE FROM audit_record WHERE seq = ?", seq);

            Verification v = AuditVerifier.verify(store, null);

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().seq()).isEqualTo(seq);
            assertThat(v.problem().kind()).isEqualTo(seq == events.size() ? Verification.Kind.TAIL : Verification.Kind.GAP);
        }
    }

    @Property(tries = 50)
    void insertingAForgedRecordAnywhereIsDetected(@ForAll("eventLists") List<AuditEvent> events,
                                                 @ForAll @IntRange(min = 0, max = 1000) int pick) throws Exception {
        Fixture f = storeWith(events);
        long at = 1 + pick % (events.size() + 1);
        try (AuditStore store = f.store(); StoreSurgery surgery = new StoreSurgery(f.url())) {
            String prevHash = at == 1 ? AuditChain.GENESIS : store.after(at - 2, 1).get(0).hash();
            AuditRecord forged = AuditChain.seal(at, java.time.Instant.now(), "mallory", "cli://elsewhere",
                    AuditEvent.builder(AuditAction.PROMOTED, "web").environment("PROD").reason("never happened").build(), prevHash);
            surgery.shiftUp(at, events.size());
            surgery.insert(forged);

            Verification v = AuditVerifier.verify(store, null);

            assertThat(v.ok()).isFalse();
            if (at <= events.size()) {
                assertThat(v.problem().seq()).isEqualTo(at + 1);
                assertThat(v.problem().kind()).isEqualTo(Verification.Kind.LINK);
            } else {
                assertThat(v.problem().kind()).isEqualTo(Verification.Kind.TAIL);
            }
        }
    }

    @Property(tries = 50)
    void reorderingAnyTwoRecordsIsDetected(@ForAll("eventLists") List<AuditEvent> events,
                                          @ForAll @IntRange(min = 0, max = 1000) int a,
                                          @ForAll @IntRange(min = 1, max = 1000) int distance) throws Exception {
        Fixture f = storeWith(events);
        long i = 1 + a % (events.size() - 1);
        long j = i + 1 + (distance - 1) % (events.size() - i);
        try (AuditStore store = f.store(); StoreSurgery surgery = new StoreSurgery(f.url())) {
            surgery.swap(i, j);

            Verification v = AuditVerifier.verify(store, null);

            assertThat(v.ok()).isFalse();
            assertThat(v.problem().seq()).isEqualTo(i);
            assertThat(v.problem().kind()).isEqualTo(Verification.Kind.LINK);
        }
    }

    @Provide
    Arbitrary<List<AuditEvent>> eventLists() {
        return events().list().ofMinSize(2).ofMaxSize(25);
    }
}
