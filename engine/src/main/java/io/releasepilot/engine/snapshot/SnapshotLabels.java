package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a snapshot is for: written as tags on an RDS snapshot and into the manifest beside a dump,
 * and how this tool later recognises its own snapshots for retention.
 *
 * @param service     logical service name (required)
 * @param environment INT, UAT, PROD… (null when not given)
 * @param release     release name or version (null when not given)
 * @param build       the build that took it: a Jenkins build URL or {@code cli://host}
 */
public record SnapshotLabels(String service, String environment, String release, String build) {

    public static final String TAG_PREFIX = "release-pilot:";
    public static final String MANAGED_BY_KEY = TAG_PREFIX + "managed-by";
    public static final String MANAGED_BY_VALUE = "release-pilot";
    public static final String SERVICE_KEY = TAG_PREFIX + "service";
    public static final String ENVIRONMENT_KEY = TAG_PREFIX + "environment";
    public static final String RELEASE_KEY = TAG_PREFIX + "release";
    public static final String BUILD_KEY = TAG_PREFIX + "build";
    /** The token of the run that made a snapshot ({@link SnapshotIds#runToken}), so a repeated run reuses it. */
    public static final String RUN_KEY = TAG_PREFIX + "run";

    /** The characters AWS accepts in a tag value (and that read well in a manifest). */
    private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,256}");
    static final String RELEASE_FORM = "1-256 characters of letters, digits, spaces and _ . : / = + - @";

    public SnapshotLabels {
        service = Names.service(service);
        environment = environment == null ? null : Names.environment(environment);
        if (release != null && !TAG_VALUE.matcher(release).matches()) {
            throw new InvalidInputException("release", release, RELEASE_FORM);
        }
        if (build != null && !TAG_VALUE.matcher(build).matches()) {
            throw new InvalidInputException("build", build, RELEASE_FORM);
        }
    }

    /** The tags every snapshot this tool creates carries, in a stable order. */
    public Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(MANAGED_BY_KEY, MANAGED_BY_VALUE);
        tags.put(SERVICE_KEY, service);
        if (environment != null) {
            tags.put(ENVIRONMENT_KEY, environment);
        }
        if (release != null) {
            tags.put(RELEASE_KEY, release);
        }
        if (build != null) {
            tags.put(BUILD_KEY, build);
        }
        return tags;
    }
}
