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
 * Every field but {@code action}, {@code service} and {@code outcome} may be null. Built through
 * {@link #builder} (or the public constructor), which validates everything; records read back
 * from a store are taken as they are, so that verification can report a damaged record instead of
 * failing on it.
 */
public final class AuditEvent {

    private static final Pattern DETAIL_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    /** A guard against a step putting a secret into the trail by mistake. */
    private static final Pattern SECRET_LOOKING_KEY =
            Pattern.compile("(?i).*(password|passwd|secret|token|credential|private.?key).*");

    private final AuditAction action;
    private final String service;
    private final String environment;
    private final String namespace;
    private final String target;
    private final String release;
    private final String image;
    private final String previousImage;
    private final Outcome outcome;
    private final String reason;
    private final SortedMap<String, String> details;

    /**
     * @param target        the object acted on, e.g. {@code deployment/web} or a snapshot id
     * @param release       the release name or version the act concerns
     * @param image         the image digest reference the act put in place
     * @param previousImage the image digest reference that ran before
     * @param details       further facts as text; never a secret
     */
    public AuditEvent(AuditAction action, String service, String environment, String namespace, String target, String release,
                      String image, String previousImage, Outcome outcome, String reason, Map<String, String> details) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        this.action = action;
        this.service = Names.service(service);
        this.environment = environment == null ? null : Names.environment(environment);
        this.namespace = fits("namespace", namespace, 253);
        this.target = fits("target", target, 1024);
        this.release = fits("release", release, 256);
        this.image = fits("image", image, 1024);
        this.previousImage = fits("previousImage", previousImage, 1024);
        this.outcome = outcome;
        this.reason = fits("reason", reason, 8192);
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
        this.details = Collections.unmodifiableSortedMap(copy);
    }

    /** A record's event exactly as the store holds it: no validation, since a damaged row must still be read. */
    private AuditEvent(AuditAction action, String service, String environment, String namespace, String target, String release,
                       String image, String previousImage, Outcome outcome, String reason, SortedMap<String, String> details,
                       boolean stored) {
        this.action = action;
        this.service = service;
        this.environment = environment;
        this.namespace = namespace;
        this.target = target;
        this.release = release;
        this.image = image;
        this.previousImage = previousImage;
        this.outcome = outcome;
        this.reason = reason;
        this.details = Collections.unmodifiableSortedMap(details);
    }

    static AuditEvent stored(AuditAction action, String service, String environment, String namespace, String target, String release,
                             String image, String previousImage, Outcome outcome, String reason, SortedMap<String, String> details) {
        return new AuditEvent(action, service, environment, namespace, target, release, image, previousImage, outcome, reason,
                details, true);
    }

    public AuditAction action() {
        return action;
    }

    public String service() {
        return service;
    }

    public String environment() {
        return environment;
    }

    public String namespace() {
        return namespace;
    }

    public String target() {
        return target;
    }

    public String release() {
        return release;
    }

    public String image() {
        return image;
    }

    public String previousImage() {
        return previousImage;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String reason() {
        return reason;
    }

    public SortedMap<String, String> details() {
        return details;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditEvent e && action == e.action && outcome == e.outcome && Objects.equals(service, e.service)
                && Objects.equals(environment, e.environment) && Objects.equals(namespace, e.namespace)
                && Objects.equals(target, e.target) && Objects.equals(release, e.release) && Objects.equals(image, e.image)
                && Objects.equals(previousImage, e.previousImage) && Objects.equals(reason, e.reason)
                && details.equals(e.details);
    }

    @Override
    public int hashCode() {
        return Objects.hash(action, service, environment, namespace, target, release, image, previousImage, outcome, reason, details);
    }

    @Override
    public String toString() {
        return "AuditEvent[action=" + action + ", service=" + service + ", environment=" + environment + ", namespace=" + namespace
                + ", target=" + target + ", release=" + release + ", image=" + image + ", previousImage=" + previousImage
                + ", outcome=" + outcome + ", reason=" + reason + ", details=" + details + "]";
    }

    /** The column widths of the store, checked here so an over-long value is a user error, not a database error. */
    private static String fits(String parameter, String value, int max) {
        if (value != null && value.length() > max) {
            throw new InvalidInputException(parameter, value.substring(0, 40) + "… (" + value.length() + " characters)",
                    "at most " + max + " characters");
        }
        return value;
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
