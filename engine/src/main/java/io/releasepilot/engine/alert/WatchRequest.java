package io.releasepilot.engine.alert;

import java.util.Objects;

/**
 * One rollbackOnAlert watch as a host asks for it: where alerts come from, how to watch, what is
 * guarded, and what a trigger rolls back. The source and target are live objects holding the
 * host's secrets and connections, so they are not recorded: a host resuming a watch after a
 * restart gives the same request again, and the recorded window and counts continue.
 */
public record WatchRequest(AlertSource source, WatchOptions options, WatchSubject subject, RollbackTarget target) {

    public WatchRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(target, "target");
    }

    /**
     * What must not change between a start and a resume of one run: the source as described,
     * the guarded workload and the watch's options.
     */
    String fingerprint() {
        return source.describe() + " | " + subject + " | " + options;
    }
}
