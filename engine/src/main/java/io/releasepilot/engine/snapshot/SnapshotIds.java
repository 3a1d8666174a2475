package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snapshot names: a template such as {@code rp-{service}-{environment}-{run}} made concrete,
 * then checked against the rules of where it goes (an RDS identifier or a file name). The default
 * names depend only on service, environment, release and the host's run id, so a run that is
 * repeated after a restart names, finds and reuses the snapshot it made instead of taking a second.
 */
public final class SnapshotIds {

    public static final String DEFAULT_TEMPLATE = "rp-{service}-{environment}-{run}";
    /** Used when no environment is given, so the default never needs one. */
    public static final String DEFAULT_TEMPLATE_WITHOUT_ENVIRONMENT = "rp-{service}-{run}";
    /** Hex digits of the run token: 48 bits, so two runs of one service share one by chance about never. */
    static final int RUN_TOKEN_LENGTH = 12;
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

    public static final String RDS_SNAPSHOT_FORM = "an RDS snapshot identifier: 1-255 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen (template placeholders: {service}, {environment}, {release}, {run}, {timestamp})";
    public static final String RDS_INSTANCE_FORM = "an RDS DB instance identifier: 1-63 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen";
    public static final String RDS_CLUSTER_FORM = "an Aurora DB cluster identifier: 1-63 letters, digits and hyphens, starting with a letter, "
            + "no two hyphens in a row, not ending with a hyphen";
    public static final String FILE_FORM = "a file name: 1-200 letters, digits, '.', '_' and '-', starting with a letter or digit "
            + "(template placeholders: {service}, {environment}, {release}, {run}, {timestamp})";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final Pattern RDS_IDENTIFIER = Pattern.compile("[A-Za-z](?:-?[A-Za-z0-9])*");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** The run a template is checked with before any run exists: only the shape of the result matters. */
    static final RunId SAMPLE_RUN = new RunId("sample");

    private SnapshotIds() {
    }

    /** The template to use when the user gave none. */
    public static String defaultTemplate(SnapshotLabels labels) {
        return labels.environment() == null ? DEFAULT_TEMPLATE_WITHOUT_ENVIRONMENT : DEFAULT_TEMPLATE;
    }

    /**
     * What {@code {run}} becomes: 12 hex digits of the SHA-256 of service, environment, release
     * and run id. Also tagged on RDS snapshots, so a run knows the snapshot it made.
     */
    public static String runToken(SnapshotLabels labels, RunId run) {
        String key = labels.service() + "\n" + Objects.toString(labels.environment(), "") + "\n" + Objects.toString(labels.release(), "")
                + "\n" + run.value();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, RUN_TOKEN_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** An RDS snapshot identifier from a template; throws naming {@code snapshot-id} if it breaks RDS rules. */
    public static String rds(String template, SnapshotLabels labels, RunId run, Instant now) {
        String id = render(template, labels, run, now, RDS_SNAPSHOT_FORM).toLowerCase(Locale.ROOT);
        if (id.length() > 255 || !RDS_IDENTIFIER.matcher(id).matches()) {
            throw new InvalidInputException("snapshot-id", id, fromTemplate(RDS_SNAPSHOT_FORM, template, id));
        }
        return id;
    }

    /** A dump's base name (without {@code .dump}) from a template. */
    public static String file(String template, SnapshotLabels labels, RunId run, Instant now) {
        String id = render(template, labels, run, now, FILE_FORM);
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

    private static String render(String template, SnapshotLabels labels, RunId run, Instant now, String form) {
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
                case "run" -> runToken(labels, run);
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
