package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snapshot names: a template such as {@code rp-{service}-{environment}-{timestamp}} made concrete,
 * then checked against the rules of where it goes (an RDS identifier or a file name).
 */
public final class SnapshotIds {

    public static final String DEFAULT_TEMPLATE = "rp-{service}-{environment}-{timestamp}";
    /** Used when no environment is given, so the default never needs one. */
    public static final String DEFAULT_TEMPLATE_WITHOUT_ENVIRONMENT = "rp-{service}-{timestamp}";
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

    public static final String RDS_SNAPSHOT_FORM = "an RDS snapshot identifier: 1-255 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen (template placeholders: {service}, {environment}, {release}, {timestamp})";
    public static final String RDS_INSTANCE_FORM = "an RDS DB instance identifier: 1-63 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen";
    public static final String RDS_CLUSTER_FORM = "an Aurora DB cluster identifier: 1-63 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen";
    public static final String FILE_FORM = "a file name: 1-200 letters, digits, '.', '_' and '-', starting with a letter or digit "
            + "(template placeholders: {service}, {environment}, {release}, {timestamp})";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final Pattern RDS_IDENTIFIER = Pattern.compile("[A-Za-z](?:-?[A-Za-z0-9])*");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private SnapshotIds() {
    }

    /** The template to use when the user gave none. */
    public static String defaultTemplate(SnapshotLabels labels) {
        return labels.environment() == null ? DEFAULT_TEMPLATE_WITHOUT_ENVIRONMENT : DEFAULT_TEMPLATE;
    }

    /** An RDS snapshot identifier from a template; throws naming {@code snapshot-id} if it breaks RDS rules. */
    public static String rds(String template, SnapshotLabels labels, Instant now) {
        String id = render(template, labels, now, RDS_SNAPSHOT_FORM).toLowerCase(Locale.ROOT);
        if (id.length() > 255 || !RDS_IDENTIFIER.matcher(id).matches()) {
            throw new InvalidInputException("snapshot-id", id, fromTemplate(RDS_SNAPSHOT_FORM, template, id));
        }
        return id;
    }

    /** A dump's base name (without {@code .dump}) from a template. */
    public static String file(String template, SnapshotLabels labels, Instant now) {
        String id = render(template, labels, now, FILE_FORM);
        if (!FILE_NAME.matcher(id).matches() || id.contains("..")) {
            throw new InvalidInputException("snapshot-id", id, fromTemplate(FILE_FORM, template, id));
        }
        return id;
    }

    /** Checks a DB instance identifier (as RDS compares them: without regard to case). */
    public static String rdsInstance(String value) {
        return rdsSource("instance", value, RDS_INSTANCE_FORM);
    }

    public static String rdsCluster(String value) {
        return rdsSource("cluster", value, RDS_CLUSTER_FORM);
    }

    private static String rdsSource(String parameter, String value, String form) {
        if (value == null || value.length() > 63 || !RDS_IDENTIFIER.matcher(value).matches()) {
            throw new InvalidInputException(parameter, value, form);
        }
        return value.toLowerCase(Locale.ROOT);
    }

    private static String render(String template, SnapshotLabels labels, Instant now, String form) {
        if (template == null || template.isBlank()) {
            throw new InvalidInputException("snapshot-id", template, form);
        }
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "service" -> labels.service();
                case "environment" -> required(template, labels.environment(), "{environment} needs --environment", form);
                case "release" -> required(template, labels.release(), "{release} needs --release", form);
                case "timestamp" -> TIMESTAMP.format(now);
                default -> throw new InvalidInputException("snapshot-id", template, form);
            };
            m.appendReplacement(out, Matcher.quoteReplacement(identifierSafe(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String required(String template, String value, String why, String form) {
        if (value == null) {
            throw new InvalidInputException("snapshot-id", template, form + "; " + why);
        }
        return value;
    }

    /** Values come from names that may hold '.', '_' or spaces; identifiers take hyphens there. */
    private static String identifierSafe(String value) {
        return value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    private static String fromTemplate(String form, String template, String id) {
        return template.equals(id) ? form : form + "; made from the template '" + template + "'";
    }
}
