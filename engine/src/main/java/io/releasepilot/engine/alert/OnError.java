package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.util.Locale;

/** What the watch does once the source has failed {@code errorLimit} observations in a row. */
public enum OnError {
    /** Stop watching and fail as an environment error; the canary is left as it is. */
    FAIL,
    /** Treat a blind watch as a firing alert: traffic to 0 and roll back. */
    ROLLBACK,
    /** Say so and keep watching until the window ends. */
    IGNORE;

    public static final String ACCEPTED_FORM = "fail, rollback or ignore";

    public static OnError parse(String parameter, String text) {
        if (text != null) {
            for (OnError value : values()) {
                if (value.name().equalsIgnoreCase(text.trim())) {
                    return value;
                }
            }
        }
        throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
