package io.releasepilot.engine.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a waiter pauses between attempts: {@code initial}, then multiplied by {@code multiplier}
 * after each attempt, never more than {@code max}. Deterministic, so a run can be replayed and the
 * bench can show the schedule.
 */
public record Backoff(Duration initial, double multiplier, Duration max) {

    /**
     * The snapshot default: look again soon (small databases snapshot in seconds), then back off
     * to one call a minute so a long snapshot costs few API calls.
     */
    public static final Backoff SNAPSHOT = new Backoff(Duration.ofSeconds(5), 1.5, Duration.ofSeconds(60));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || multiplier < 1.0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max and multiplier >= 1: " + this);
        }
    }

    /** The pause after attempt {@code attempt} (1-based). */
    public Duration delayAfter(int attempt) {
        double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        return millis >= max.toMillis() ? max : Duration.ofMillis(Math.round(millis));
    }
}
