package io.releasepilot.engine.audit;

import io.releasepilot.engine.host.Origin;
import java.util.UUID;

/** Events and stores the audit tests share. */
final class AuditFixtures {

    static final Origin ORIGIN = new Origin("alice", "https://jenkins.example.com/job/shop/42/");

    private AuditFixtures() {
    }

    static AuditStore memoryStore() {
        return AuditStores.open(new AuditStores.Config("jdbc:h2:mem:audit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    static AuditStore memoryStore(CheckpointSigner signer) {
        return AuditStores.open(new AuditStores.Config("jdbc:h2:mem:audit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
                .withSigner(signer));
    }

    static AuditEvent note(String service, String environment, String reason) {
        return AuditEvent.builder(AuditAction.NOTE, service).environment(environment).reason(reason).build();
    }

    static AuditEvent canary(String service, String environment, String image, String stable, int weight) {
        return AuditEvent.builder(AuditAction.CANARY_ADVANCED, service).environment(environment).namespace("shop")
                .target("deployment/" + service).image(image).previousImage(stable).release("r-" + image.hashCode())
                .detail("weight", weight).build();
    }

    static AuditEvent promoted(String service, String environment, String image, String release) {
        return AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment).namespace("shop")
                .target("deployment/" + service).image(image).release(release).build();
    }

    static String digest(int n) {
        return String.format("registry.example.com/shop/web@sha256:%064x", n);
    }
}
