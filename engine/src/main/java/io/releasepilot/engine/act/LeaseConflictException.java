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

    /**
     * @param doing what the holder does and who it is, e.g. {@code deployCanary by alice from https://ci/job/web/7/, host ci-1, pid 42}
     */
    public LeaseConflictException(String object, String holder, String doing, Instant expires) {
        super(object + " is held by another run: " + holder + " (" + doing + "); its lease runs out at " + expires
                + " unless it is renewed. Wait for it to finish, or retry with a wait for the lease (--wait-for-lock DUR)");
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
