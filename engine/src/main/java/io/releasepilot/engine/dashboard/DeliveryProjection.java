package io.releasepilot.engine.dashboard;

import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The delivery figures (DORA, deployments and rollbacks per environment, canary durations) kept
 * up to date by reading only the records appended since the last call. The first call starts
 * twice the window back (found by a binary search over sequence numbers), so its cost is bounded
 * by the window, never by the whole store; builds and entries older than that are forgotten.
 */
final class DeliveryProjection {

    static final int PAGE = 10_000;

    private final AuditStore store;
    private final String production;
    private final Duration window;
    private final Clock clock;

    private long lastSeq = -1;
    private long lastPruneMs;
    private final TimeSeries deployments = new TimeSeries();
    private final TimeSeries leadSeconds = new TimeSeries();
    private final TimeSeries restoreSeconds = new TimeSeries();
    private final TimeSeries canarySeconds = new TimeSeries();
    private final Map<String, TimeSeries> promotionsByEnvironment = new TreeMap<>();
    private final Map<String, TimeSeries> rollbacksByEnvironment = new TreeMap<>();
    /** image → when its first IMAGE_BUILT was recorded; insertion order is time order. */
    private final LinkedHashMap<String, Long> builtAt = new LinkedHashMap<>();
    /** service + image → when it first entered production. */
    private final LinkedHashMap<String, Long> enteredProduction = new LinkedHashMap<>();
    /** service + image → when it was rolled back in production. */
    private final LinkedHashMap<String, Long> failedInProduction = new LinkedHashMap<>();
    /** service + environment → when the running canary started. */
    private final Map<String, Long> canaryStartedAt = new LinkedHashMap<>();

    private DoraFigures cachedFigures;
    private long cachedSeq = -1;
    private long cachedMinute = -1;

    DeliveryProjection(AuditStore store, String productionEnvironment, Duration window, Clock clock) {
        this.store = store;
        this.production = productionEnvironment;
        this.window = window;
        this.clock = clock;
    }

    /** Reads what was appended since the last call; returns the sequence number read up to. */
    synchronized long refresh() {
        long now = clock.millis();
        if (lastSeq < 0) {
            lastSeq = lastSeqBefore(now - 2 * window.toMillis());
        }
        while (true) {
            List<AuditRecord> page = store.after(lastSeq, PAGE);
            for (AuditRecord r : page) {
                apply(r);
                lastSeq = r.seq();
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        if (now - lastPruneMs > 60_000) {
            prune(now);
            lastPruneMs = now;
        }
        return lastSeq;
    }

    /** The DORA figures now; recomputed only when records arrived or the minute changed. */
    synchronized DoraFigures figures() {
        refresh();
        long minute = clock.millis() / 60_000;
        if (cachedFigures == null || cachedSeq != lastSeq || cachedMinute != minute) {
            cachedFigures = compute(Instant.ofEpochMilli(minute * 60_000));
            cachedSeq = lastSeq;
            cachedMinute = minute;
        }
        return cachedFigures;
    }

    /** Successful promotions per environment within the window. */
    synchronized Map<String, Integer> promotionsPerEnvironment() {
        return countsFrom(promotionsByEnvironment);
    }

    /** Successful rollbacks per environment within the window. */
    synchronized Map<String, Integer> rollbacksPerEnvironment() {
        return countsFrom(rollbacksByEnvironment);
    }

    /** How long canaries that ended (promoted or rolled back) within the window ran, in seconds. */
    synchronized double[] canaryDurations() {
        return canarySeconds.valuesFrom(windowStart());
    }

    Duration window() {
        return window;
    }

    private Map<String, Integer> countsFrom(Map<String, TimeSeries> series) {
        refresh();
        long from = windowStart();
        Map<String, Integer> out = new TreeMap<>();
        series.forEach((env, s) -> out.put(env, s.countFrom(from)));
        return out;
    }

    private long windowStart() {
        return clock.millis() - window.toMillis();
    }

    private DoraFigures compute(Instant to) {
        Instant from = to.minus(window);
        long fromMs = from.toEpochMilli();
        int deployed = deployments.countFrom(fromMs);
        long changes = 0;
        for (Map.Entry<String, Long> e : enteredProduction.entrySet()) {
            if (e.getValue() >= fromMs) {
                changes++;
            }
        }
        long failed = 0;
        for (Map.Entry<String, Long> e : failedInProduction.entrySet()) {
            if (e.getValue() >= fromMs) {
                failed++;
                Long entered = enteredProduction.get(e.getKey());
                if (entered == null || entered < fromMs) {
                    changes++;
                }
            }
        }
        double[] restores = restoreSeconds.valuesFrom(fromMs);
        double[] leads = leadSeconds.valuesFrom(fromMs);
        double days = window.toMillis() / 86_400_000.0;
        return new DoraFigures(production, from, to, deployed, deployed / days, changes, failed,
                changes == 0 ? null : (double) failed / changes,
                restores.length, TimeSeries.median(restores), leads.length, TimeSeries.median(leads));
    }

    private void apply(AuditRecord r) {
        AuditEvent e = r.event();
        if (e.outcome() != Outcome.SUCCEEDED) {
            return;
        }
        long t = r.time().toEpochMilli();
        String env = e.environment();
        String cell = e.service() + '\u0000' + env;
        switch (e.action()) {
            case IMAGE_BUILT -> {
                if (e.image() != null) {
                    builtAt.putIfAbsent(e.image(), t);
                }
            }
            case CANARY_STARTED -> {
                if (env != null) {
                    canaryStartedAt.put(cell, t);
                    enteredProduction(e, e.image(), t);
                }
            }
            case PROMOTED, MANUAL_CHANGE -> {
                if (env == null) {
                    return;
                }
                if (e.action() == AuditAction.PROMOTED) {
                    promotionsByEnvironment.computeIfAbsent(env, k -> new TimeSeries()).add(t, 1);
                    endCanary(cell, t);
                }
                if (env.equals(production)) {
                    deployments.add(t, 1);
                    enteredProduction(e, e.image(), t);
                    Long built = e.image() == null ? null : builtAt.get(e.image());
                    if (built != null && built <= t) {
                        leadSeconds.add(t, (t - built) / 1000.0);
                    }
                }
            }
            case ROLLED_BACK -> {
                if (env == null) {
                    return;
                }
                rollbacksByEnvironment.computeIfAbsent(env, k -> new TimeSeries()).add(t, 1);
                endCanary(cell, t);
                if (env.equals(production) && e.previousImage() != null) {
                    String failedChange = e.service() + '\u0000' + e.previousImage();
                    failedInProduction.remove(failedChange);
                    failedInProduction.put(failedChange, t);
                    Long entered = enteredProduction.get(failedChange);
                    if (entered != null && entered <= t) {
                        restoreSeconds.add(t, (t - entered) / 1000.0);
                    }
                }
            }
            default -> { }
        }
    }

    private void enteredProduction(AuditEvent e, String image, long t) {
        if (production.equals(e.environment()) && image != null) {
            enteredProduction.putIfAbsent(e.service() + '\u0000' + image, t);
        }
    }

    private void endCanary(String cell, long t) {
        Long started = canaryStartedAt.remove(cell);
        if (started != null && started <= t) {
            canarySeconds.add(t, (t - started) / 1000.0);
        }
    }

    /** Forgets what can no longer count: facts before the window, builds and entries before twice the window. */
    private void prune(long now) {
        long windowCutoff = now - window.toMillis();
        long memoryCutoff = now - 2 * window.toMillis();
        deployments.dropBefore(windowCutoff);
        leadSeconds.dropBefore(windowCutoff);
        restoreSeconds.dropBefore(windowCutoff);
        canarySeconds.dropBefore(windowCutoff);
        promotionsByEnvironment.values().forEach(s -> s.dropBefore(windowCutoff));
        rollbacksByEnvironment.values().forEach(s -> s.dropBefore(windowCutoff));
        dropOlder(builtAt, memoryCutoff);
        dropOlder(enteredProduction, memoryCutoff);
        dropOlder(failedInProduction, windowCutoff);
        canaryStartedAt.values().removeIf(started -> started < memoryCutoff);
    }

    private static void dropOlder(LinkedHashMap<String, Long> byTime, long cutoff) {
        Iterator<Long> it = byTime.values().iterator();
        while (it.hasNext() && it.next() < cutoff) {
            it.remove();
        }
    }

    /**
     * The highest sequence number whose record is older than {@code cutoffMs} (0 if none), found
     * with O(log n) point reads: records are appended in time order.
     */
    private long lastSeqBefore(long cutoffMs) {
        long lo = 0;
        long hi = store.head().seq();
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            List<AuditRecord> at = store.after(mid - 1, 1);
            if (at.isEmpty() || at.get(0).time().toEpochMilli() >= cutoffMs) {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        return lo;
    }
}
