package io.releasepilot.engine.release;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Reads the audit trail as a ledger: what runs where, and whether a release may move on. */
public final class ReleaseLedger {

    private final AuditStore store;
    private final Lifecycle lifecycle;

    public ReleaseLedger(AuditStore store, Lifecycle lifecycle) {
        this.store = store;
        this.lifecycle = lifecycle;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /** Every cell, ordered by service and then by the lifecycle's order of environments. */
    public List<Placement> whatRunsWhere() {
        List<Placement> out = new ArrayList<>();
        for (AuditStore.Cell cell : store.cells()) {
            out.add(placementOf(cell));
        }
        out.sort(Comparator.comparing(Placement::service).thenComparing(p -> environmentOrder(p.environment())));
        return out;
    }

    private int environmentOrder(String environment) {
        int i = lifecycle.environments().indexOf(environment);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private static Placement placementOf(AuditStore.Cell cell) {
        AuditRecord stable = cell.stable();
        AuditRecord canary = cell.canary();
        AuditRecord current = canary != null ? canary : stable != null ? stable : cell.last();
        String stableImage = stable != null ? stable.event().image() : canary != null ? canary.event().previousImage() : null;
        String stableRelease = stable != null ? stable.event().release() : null;
        Integer asked = null;
        Integer running = null;
        if (canary != null) {
            // The replicas router rounds the asked weight to whole pods (10% of 4 pods runs as 25%):
            // the cell shows what the cluster runs, and the asked weight beside it when they differ.
            asked = weightDetail(canary, "weight");
            Integer effective = weightDetail(canary, "effectiveWeight");
            running = effective != null ? effective : asked;
        }
        return new Placement(cell.service(), cell.environment(), stableRelease, stableImage,
                canary == null ? null : canary.event().image(), running,
                canary == null ? null : canary.event().release(),
                current.time(), current.origin(), current.actor(), cell.last(),
                asked != null && !asked.equals(running) ? asked : null);
    }

    private static Integer weightDetail(AuditRecord record, String key) {
        String value = record.event().details().get(key);
        return value == null ? null : Integer.valueOf(value);
    }

    /**
     * May {@code service} run {@code image} in {@code environment}? Yes in the lifecycle's first
     * environment; elsewhere only if that digest of that service was promoted in the environment
     * before. A tag is never enough there: the same tag may point at another image by now, so an
     * image without a digest is denied.
     */
    public GateDecision mayEnter(String service, String image, String environment) {
        String env = lifecycle.requireKnown(environment);
        Optional<String> before = lifecycle.before(env);
        if (before.isEmpty()) {
            return GateDecision.allow(env + " is the first environment of the lifecycle", null);
        }
        String digest = digestOf(image);
        if (digest == null) {
            return GateDecision.deny(image + " may not enter " + env + ": it is not pinned to a digest, and " + env
                    + " admits only a digest of " + service + " promoted in " + before.get() + " (deploy by digest: registry/repository@sha256:…)");
        }
        Optional<AuditRecord> promoted = store.latest(AuditAction.PROMOTED, service, before.get(), digest);
        return promoted
                .map(r -> GateDecision.allow(digest + " of " + service + " was promoted in " + before.get() + " (audit record " + r.seq() + ")", r))
                .orElseGet(() -> GateDecision.deny(image + " may not enter " + env + ": " + digest + " of " + service
                        + " was never promoted in " + before.get() + " (lifecycle " + String.join(" -> ", lifecycle.environments()) + ")"));
    }

    /** The {@code sha256:…} an image reference is pinned to, or null for a tag. */
    static String digestOf(String image) {
        int at = image == null ? -1 : image.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String digest = image.substring(at + 1);
        return digest.matches("sha256:[0-9a-f]{64}") ? digest : null;
    }
}
