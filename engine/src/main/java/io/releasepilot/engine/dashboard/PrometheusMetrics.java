package io.releasepilot.engine.dashboard;

import io.releasepilot.engine.release.Placement;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /metrics} in the Prometheus text exposition format (version 0.0.4), written by hand: a
 * handful of gauges and one summary need no library. Window figures cover the DORA window.
 */
final class PrometheusMetrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Dashboard dashboard;

    PrometheusMetrics(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    String render() {
        Dashboard.Summary summary = dashboard.summary();
        long windowSeconds = dashboard.config().doraWindow().toSeconds();
        StringBuilder out = new StringBuilder(4096);

        header(out, "release_pilot_audit_records", "gauge", "Records in the audit trail (the chain head's sequence number).");
        sample(out, "release_pilot_audit_records", "", summary.records());

        VerificationCache.Status v = summary.verification();
        header(out, "release_pilot_audit_verification", "gauge",
                "1 for the verification state the audit trail is in (PENDING, INTACT, FAILED, ERROR), 0 for the others.");
        for (VerificationCache.State state : VerificationCache.State.values()) {
            sample(out, "release_pilot_audit_verification", label("state", state.name()), state == v.state() ? 1 : 0);
        }
        header(out, "release_pilot_audit_verified_records", "gauge", "Records covered by the last finished verification.");
        sample(out, "release_pilot_audit_verified_records", "", v.records());
        if (v.checkedAt() != null) {
            header(out, "release_pilot_audit_verification_timestamp_seconds", "gauge", "When the last verification finished (Unix time).");
            sample(out, "release_pilot_audit_verification_timestamp_seconds", "", v.checkedAt().toEpochMilli() / 1000.0);
        }

        header(out, "release_pilot_window_seconds", "gauge", "The length of the window the window_* figures cover.");
        sample(out, "release_pilot_window_seconds", "", windowSeconds);
        counts(out, "release_pilot_window_deployments", "Successful promotions per environment within the window.",
                dashboard.promotionsInWindow());
        counts(out, "release_pilot_window_rollbacks", "Successful rollbacks per environment within the window.",
                dashboard.rollbacksInWindow());

        double[] durations = dashboard.canaryDurationsInWindow();
        header(out, "release_pilot_window_canary_duration_seconds", "summary",
                "How long canaries ran, from CANARY_STARTED to PROMOTED or ROLLED_BACK, for canaries that ended within the window.");
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            Double value = TimeSeries.quantile(durations, q);
            sample(out, "release_pilot_window_canary_duration_seconds", label("quantile", String.valueOf(q)),
                    value == null ? Double.NaN : value);
        }
        double sum = 0;
        for (double d : durations) {
            sum += d;
        }
        sample(out, "release_pilot_window_canary_duration_seconds_sum", "", sum);
        sample(out, "release_pilot_window_canary_duration_seconds_count", "", durations.length);

        header(out, "release_pilot_canary_weight_percent", "gauge", "Traffic weight of each canary running now.");
        for (Placement p : summary.cells()) {
            if (p.canaryWeight() != null) {
                sample(out, "release_pilot_canary_weight_percent",
                        label("service", p.service()) + "," + label("environment", p.environment()), p.canaryWeight());
            }
        }

        DoraFigures d = summary.dora();
        header(out, "release_pilot_dora_deployments_per_day", "gauge", "Production deployments per day over the window.");
        sample(out, "release_pilot_dora_deployments_per_day", label("environment", d.environment()), d.deploymentsPerDay());
        header(out, "release_pilot_dora_change_failure_ratio", "gauge", "Rolled-back changes / changes in production over the window.");
        sample(out, "release_pilot_dora_change_failure_ratio", label("environment", d.environment()), nan(d.changeFailureRate()));
        header(out, "release_pilot_dora_time_to_restore_seconds", "gauge", "Median time from a failed change entering production to its rollback.");
        sample(out, "release_pilot_dora_time_to_restore_seconds", label("environment", d.environment()), nan(d.medianRestoreSeconds()));
        header(out, "release_pilot_dora_lead_time_seconds", "gauge", "Median time from IMAGE_BUILT to the production deployment.");
        sample(out, "release_pilot_dora_lead_time_seconds", label("environment", d.environment()), nan(d.medianLeadSeconds()));
        return out.toString();
    }

    private static void counts(StringBuilder out, String name, String help, Map<String, Integer> byEnvironment) {
        header(out, name, "gauge", help);
        byEnvironment.forEach((env, count) -> sample(out, name, label("environment", env), count));
    }

    private static double nan(Double value) {
        return value == null ? Double.NaN : value;
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, "%s", value);
    }

    /** {@code name="value"} with the value escaped as the format asks: backslash, quote, newline. */
    static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
