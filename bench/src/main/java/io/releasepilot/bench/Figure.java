package io.releasepilot.bench;

/**
 * One measured figure of a benchmark, compared with a baseline measured in the same run.
 *
 * @param value    what Release Pilot took
 * @param baseline what the baseline took, in the same unit (null when there is none)
 * @param ratio    value / baseline (null without a baseline)
 * @param target   the highest acceptable ratio (or value, when there is no baseline); null: none
 * @param met      whether the target was met (null without a target)
 */
public record Figure(String name, double value, String unit, Double baseline, Double ratio, Double target, Boolean met) {

    /** A figure compared with a baseline: the ratio is value / baseline, lower is better. */
    public static Figure ratio(String name, double value, double baseline, String unit, Double target) {
        double ratio = baseline == 0 ? Double.POSITIVE_INFINITY : value / baseline;
        return new Figure(name, value, unit, baseline, ratio, target, target == null ? null : ratio <= target);
    }

    /** A figure with no baseline, checked against an upper bound if one is given. */
    public static Figure plain(String name, double value, String unit, Double upperBound) {
        return new Figure(name, value, unit, null, null, upperBound, upperBound == null ? null : value <= upperBound);
    }
}
