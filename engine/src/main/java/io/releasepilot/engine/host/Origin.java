package io.releasepilot.engine.host;

import java.util.Objects;

/**
 * Who acts and from where, as the host knows it: the Jenkins user and build URL, or the OS user
 * and host name of the CLI. Recorded in every audit record.
 *
 * @param actor  the person or account on whose behalf the act is done
 * @param origin the Jenkins job/build URL, or {@code cli://host}
 */
public record Origin(String actor, String origin) {

    public Origin {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(origin, "origin");
    }
}
