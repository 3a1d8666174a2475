package io.releasepilot.engine.host;

import io.releasepilot.engine.InvalidInputException;

/**
 * Who acts and from where, as the host knows it: the Jenkins user and build URL, or the OS user
 * and host name of the CLI. Recorded in every audit record.
 *
 * @param actor  the person or account on whose behalf the act is done
 * @param origin the Jenkins job/build URL, or {@code cli://host}
 */
public record Origin(String actor, String origin) {

    public Origin {
        if (actor == null || actor.isBlank() || actor.length() > 256) {
            throw new InvalidInputException("actor", actor, "a name of 1-256 characters");
        }
        if (origin == null || origin.isBlank() || origin.length() > 2048) {
            throw new InvalidInputException("origin", origin, "a job/build URL or cli://host of 1-2048 characters");
        }
    }
}
