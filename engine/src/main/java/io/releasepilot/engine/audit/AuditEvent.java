package io.releasepilot.engine.audit;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a step says about one act, before the trail gives it a sequence number, a time and a hash.
 * Every field but {@code action}, {@code service} and {@code outcome} may be null.
 *
 * @param target        the object acted on, e.g. {@code deployment/web} or a snapshot id
 * @param release       the release name or version the act concerns
 * @param image         the image digest reference the act put in place
 * @param previousImage the image digest reference that ran before
 * @param details       further facts as text; never a secret
 */
public record AuditEvent(
        AuditAction action,
        String service,
        String environment,
        String namespace,
        String target,
        String release,
        String image,
        String previousImage,
        Outcome outcome,
        String reason,
        SortedMap<String, String> details) {

    private static final Pattern DETAIL_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    /** A guard against a step putting a secret into the trail by mistake. */
    private static final Pattern SECRET_LOOKING_KEY =
            Pattern.compile("(?i).*(password|passwd|secret|token|credential|private.?key).*");

    public AuditEvent {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        service = Names.service(service);
        environment = environment == null ? null : Names.environment(environment);
        fits("namespace", namespace, 253);
        fits("target", target, 1024);
        fits("release", release, 256);
        fits("image", image, 1024);
        fits("previousImage", previousImage, 1024);
        fits("reason", reason, 8192);
        SortedMap<String, String> copy = new TreeMap<>();
        if (details != null) {
            for (Map.Entry<String, String> e : details.entrySet()) {
                String key = e.getKey();
                if (key == null || !DETAIL_KEY.matcher(key).matches()) {
                    throw new IllegalArgumentException("audit detail key '" + key + "' is not of the form " + DETAIL_KEY);
                }
                if (SECRET_LOOKING_KEY.matcher(key).matches()) {
                    throw new IllegalArgumentException("audit detail key '" + key + "' looks like a secret; secrets never enter the audit trail");
                }
                if (e.getValue() != null) {
                    copy.put(key, e.getValue());
                }
            }
        }
        if (CanonicalJson.object(copy).length() > 65_536) {
            throw new InvalidInputException("details", copy.size() + " entries", "at most 65536 characters as JSON");
        }
        details = Collections.unmodifiableSortedMap(copy);
    }

    /** The column widths of the store, checked here so an over-long value is a user error, not a database error. */
    private static void fits(String parameter, String value, int max) {
        if (value != null && value.length() > max) {
            throw new InvalidInputException(parameter, value.substring(0, 40) + "… (" + value.length() + " characters)",
                    "at most " + max + " characters");
        }
    }

    public static Builder builder(AuditAction action, String service) {
        return new Builder(action, service);
    }

    /** Fluent construction, since most events set only a few fields. */
    public static final class Builder {
        private final AuditAction action;
        private final String service;
        private String environment;
        private String namespace;
        private String target;
        private String release;
        private String image;
        private String previousImage;
        private Outcome outcome = Outcome.SUCCEEDED;
        private String reason;
        private final SortedMap<String, String> details = new TreeMap<>();

        private Builder(AuditAction action, String service) {
            this.action = action;
            this.service = service;
        }

        public Builder environment(String value) {
            this.environment = value;
            return this;
        }

        public Builder namespace(String value) {
            this.namespace = value;
            return this;
        }

        public Builder target(String value) {
            this.target = value;
            return this;
        }

        public Builder release(String value) {
            this.release = value;
            return this;
        }

        public Builder image(String value) {
            this.image = value;
            return this;
        }

        public Builder previousImage(String value) {
            this.previousImage = value;
            return this;
        }

        public Builder outcome(Outcome value) {
            this.outcome = value;
            return this;
        }

        public Builder reason(String value) {
            this.reason = value;
            return this;
        }

        public Builder detail(String key, Object value) {
            if (value != null) {
                details.put(key, String.valueOf(value));
            }
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(action, service, environment, namespace, target, release, image,
                    previousImage, outcome, reason, details);
        }
    }
}
