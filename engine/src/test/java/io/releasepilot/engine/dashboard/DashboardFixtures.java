package io.releasepilot.engine.dashboard;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.sandbox.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

/** Stores seeded with a known delivery story, shared by the engine's and the CLI's dashboard tests. */
public final class DashboardFixtures {

    public static final Instant T0 = Instant.parse("2026-11-01T08:00:00Z");
    public static final Origin JENKINS = new Origin("alice", "https://jenkins.example.com/job/shop/42/");

    private DashboardFixtures() {
    }

    /** An in-memory H2 store whose records are stamped by {@code clock}. */
    public static AuditStore memoryStore(MutableClock clock) {
        return AuditStores.open(new AuditStores.Config("jdbc:h2:mem:dashboard-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
                .withClock(clock));
    }

    /** A digest reference that looks like a real one: the SHA-256 of the service and build number. */
    public static String image(String service, int build) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((service + "#" + build).getBytes(StandardCharsets.UTF_8));
            return "registry.example.com/shop/" + service + "@sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The story, from T0:
     * web: image 1 built; canary in PROD at 10% (+1h); promoted (+2h) — lead time 2h, canary 1h.
     * web: image 2 canary in PROD (+3h), rolled back to image 1 (+3h30m) — restore 30 min.
     * api: image 7 promoted in INT (+4h), canary at 25% in UAT (+5h) still running.
     * The clock ends at T0 + 6h.
     */
    public static void seedDeliveryStory(AuditStore store, MutableClock clock) {
        clock.set(T0);
        store.append(AuditEvent.builder(AuditAction.IMAGE_BUILT, "web").release("1.4.0").image(image("web", 1)).build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(1)));
        store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "web").environment("PROD").namespace("shop")
                .target("deployment/web").release("1.4.0").image(image("web", 1)).previousImage(image("web", 0))
                .detail("weight", 10).build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(2)));
        store.append(AuditEvent.builder(AuditAction.PROMOTED, "web").environment("PROD").namespace("shop")
                .target("deployment/web").release("1.4.0").image(image("web", 1)).previousImage(image("web", 0)).build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(3)));
        store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "web").environment("PROD").namespace("shop")
                .target("deployment/web").release("1.5.0").image(image("web", 2)).previousImage(image("web", 1))
                .detail("weight", 20).build(), JENKINS);
        clock.set(T0.plus(Duration.ofMinutes(3 * 60 + 20)));
        store.append(AuditEvent.builder(AuditAction.ALERT_FIRED, "web").environment("PROD").namespace("shop")
                .target("deployment/web").release("1.5.0").image(image("web", 2)).outcome(Outcome.FAILED)
                .reason("HighErrorRate fired for web in PROD").build(), JENKINS);
        clock.set(T0.plus(Duration.ofMinutes(3 * 60 + 30)));
        store.append(AuditEvent.builder(AuditAction.ROLLED_BACK, "web").environment("PROD").namespace("shop")
                .target("deployment/web").release("1.4.0").image(image("web", 1)).previousImage(image("web", 2))
                .reason("alert HighErrorRate").build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(4)));
        store.append(AuditEvent.builder(AuditAction.PROMOTED, "api").environment("INT").namespace("shop")
                .target("deployment/api").release("2.0.0").image(image("api", 7)).build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(5)));
        store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "api").environment("UAT").namespace("shop")
                .target("deployment/api").release("2.0.0").image(image("api", 7)).previousImage(image("api", 6))
                .detail("weight", 25).build(), JENKINS);
        clock.set(T0.plus(Duration.ofHours(6)));
    }
}
