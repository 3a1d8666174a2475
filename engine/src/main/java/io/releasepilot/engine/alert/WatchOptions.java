package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How a watch runs.
 *
 * @param window       how long to watch (watch mode), or how long the guarded body may run
 * @param interval     time between observations
 * @param failureLimit consecutive observations with a selected alert firing before acting
 * @param onError      what to do once the source has failed {@code errorLimit} observations in a row
 * @param errorLimit   consecutive errored observations before {@code onError} applies
 */
public record WatchOptions(Duration window, Duration interval, int failureLimit, OnError onError, int errorLimit) {

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
    public static final int DEFAULT_FAILURE_LIMIT = 1;
    public static final int DEFAULT_ERROR_LIMIT = 3;

    public WatchOptions {
        Objects.requireNonNull(onError, "onError");
        if (window == null || window.isNegative() || window.isZero()) {
            throw new InvalidInputException("window", window == null ? null : Durations.format(window), "a duration greater than zero, such as 10m");
        }
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new InvalidInputException("interval", interval == null ? null : Durations.format(interval),
                    "a duration greater than zero, such as 15s");
        }
        if (interval.compareTo(window) > 0) {
            throw new InvalidInputException("interval", Durations.format(interval),
                    "a duration no longer than the window (" + Durations.format(window) + ")");
        }
        if (failureLimit < 1) {
            throw new InvalidInputException("failure-limit", String.valueOf(failureLimit),
                    "a whole number of at least 1 (consecutive firing observations before rolling back)");
        }
        if (errorLimit < 1) {
            throw new InvalidInputException("error-limit", String.valueOf(errorLimit),
                    "a whole number of at least 1 (consecutive source errors before on-error applies)");
        }
    }

    public static WatchOptions defaults() {
        return new WatchOptions(DEFAULT_WINDOW, DEFAULT_INTERVAL, DEFAULT_FAILURE_LIMIT, OnError.FAIL, DEFAULT_ERROR_LIMIT);
    }

    public WatchOptions withWindow(Duration value) {
        return new WatchOptions(value, interval, failureLimit, onError, errorLimit);
    }

    public WatchOptions withFailureLimit(int value) {
        return new WatchOptions(window, interval, value, onError, errorLimit);
    }

    public WatchOptions withOnError(OnError value) {
        return new WatchOptions(window, interval, failureLimit, value, errorLimit);
    }

    public WatchOptions withErrorLimit(int value) {
        return new WatchOptions(window, interval, failureLimit, onError, value);
    }
}
