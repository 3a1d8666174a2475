package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A program that turns a Dockerfile into an image and pushes it: buildah, docker or kaniko. Every
 * process runs through the host's {@link ProcessLauncher}, so under Jenkins it runs on the agent.
 */
public interface ImageBuilder {

    /** How a person names it: {@code buildah}, {@code docker}, {@code kaniko}. */
    String name();

    /** Whether it can work on this host now, and if not, why (for the "tried" list of {@code auto}). */
    Availability probe(ProcessLauncher launcher) throws IOException, InterruptedException;

    /**
     * Builds the image and, when {@code job.push()}, pushes every tag.
     *
     * @throws BuilderFailure when the builder's process fails; it carries the process's output tail
     */
    BuildOutcome build(BuildJob job, ProcessLauncher launcher, ProgressListener listener)
            throws BuilderFailure, IOException, InterruptedException;

    /** @param detail where it was found, or why it cannot be used */
    record Availability(boolean available, String detail) {

        public static Availability yes(String detail) {
            return new Availability(true, detail);
        }

        public static Availability no(String why) {
            return new Availability(false, why);
        }
    }

    /**
     * One build, resolved: real paths on the host, labels merged, credentials in a private config.
     *
     * @param authDirectory a private directory holding {@code config.json} with the registry
     *                      credentials (Docker's format), or null to use the builder's own login state
     * @param scratch       a private directory for the files the builder writes (image id, digests)
     * @param masked        values that must never reach the output
     * @param deadline      when building and pushing must be done
     */
    record BuildJob(String context, String dockerfile, List<ImageReference> tags, Map<String, String> buildArgs, String target,
                    Map<String, String> labels, boolean push, String authDirectory, String scratch, Set<String> masked,
                    Instant deadline) {

        public BuildJob {
            tags = List.copyOf(tags);
            buildArgs = Map.copyOf(buildArgs);
            masked = Set.copyOf(masked);
        }

        /** What is left of the time the whole build may take (at least a second, so a late step can still report). */
        public Duration remaining() {
            Duration left = Duration.between(Instant.now(), deadline);
            return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
        }

        /** The auth file inside {@link #authDirectory}, or null. */
        public String authFile() {
            return authDirectory == null ? null : authDirectory + "/" + BuildImage.AUTH_FILE_NAME;
        }
    }

    /**
     * What the builder reports it made.
     *
     * @param imageId the local image id, when the builder keeps the image locally (null for kaniko)
     * @param pushed  the digest the builder pushed, per tag (empty without push)
     */
    record BuildOutcome(String imageId, Map<ImageReference, String> pushed) {

        public BuildOutcome {
            pushed = Map.copyOf(pushed);
        }
    }
}
