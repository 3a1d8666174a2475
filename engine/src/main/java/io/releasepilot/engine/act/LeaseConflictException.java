package io.releasepilot.engine.act;

import io.releasepilot.engine.EnvironmentException;
import java.time.Instant;

/**
 * Another live run holds the lease on the object an act needs. The message names that run's
 * origin and when its lease runs out, so the person knows whom to wait for.
 */
public class LeaseConflictException extends EnvironmentException {

    private final String holder;
    private final Instant expires;

    public LeaseConflictException(String object, String holder, Instant expires) {
        super(object + " is held by another run: " + holder + " (its lease runs out at " + expires + " unless it is renewed)");
        this.holder = holder;
        this.expires = expires;
    }

    /** The run id of the holder, as it recorded itself. */
    public String holder() {
        return holder;
    }

    public Instant expires() {
        return expires;
    }
}
